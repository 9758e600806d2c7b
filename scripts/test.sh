#!/usr/bin/env bash
# The project's test command (README quick start, and what .ci/run calls): gofmt and vet, then every test with the
# race detector, then, without it, the packages whose tests cannot run under it (files marked //go:build !race:
# they release shards in the SDK consumer library, whose own data races the detector would report).
# Tests that need real rsyslog/syslog-ng receivers or supervisord skip loudly when those are missing, unless
# CI=true, where they fail; install them with scripts/install-test-receivers.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
go test -race -count=1 -timeout 40m "$@" ./...
norace=$(grep -rl --include='*_test.go' '^//go:build !race' . | xargs -r -n1 dirname | sort -u | sed 's#^#./#; s#^\./\./#./#')
if [ -n "$norace" ]; then
  echo "== without the race detector: $norace"
  go test -count=1 -timeout 20m "$@" $norace
fi
