#!/bin/sh
# build.sh: builds siemship as the container image ships it: a static binary (CGO_ENABLED=0), paths trimmed, symbol
# table and debug information stripped, version stamped into main.version. The Dockerfile's build stage runs this
# script, and deploy/docker/image_test.go runs it in CI and checks the result is static and stamped, so the image
# and CI build the same way.
#
#   scripts/build.sh [OUTPUT] [VERSION]
#
# OUTPUT defaults to bin/siemship (relative paths are taken from the current directory). VERSION defaults to
# $VERSION, else `git describe --tags --always --dirty`, else "dev"; it may contain letters, digits and . _ + -.
set -eu

# The Go release line siemship is built with. It must match the go directive of go.mod and GO_VERSION in the
# Dockerfile (deploy/docker/image_test.go checks all three).
GO_RELEASE=1.26

die() { echo "build.sh: $*" >&2; exit 1; }

out=${1:-bin/siemship}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
version=${2:-${VERSION:-}}
cd "$(dirname "$0")/.."
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || true)
  [ -n "$version" ] || version=dev
fi
case $version in
  *[!A-Za-z0-9._+-]*) die "version '$version' may only contain letters, digits and . _ + -" ;;
esac

gov=$(go env GOVERSION) || die "go not found"
case $gov in
  go$GO_RELEASE | go$GO_RELEASE.*) ;;
  *) die "need Go $GO_RELEASE.x, found $gov" ;;
esac

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/siemship
echo "build.sh: built $out (siemship $version, $gov, static)"
