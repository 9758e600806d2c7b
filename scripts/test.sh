#!/usr/bin/env bash
# The project's test command (README quick start, and what .ci/run calls): vet, then every test with the race
# detector. Tests that need real rsyslog/syslog-ng receivers skip loudly when they are missing, unless CI=true, where
# they fail; install them with scripts/install-test-receivers.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
go test -race -count=1 -timeout 40m "$@" ./...
