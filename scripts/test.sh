#!/usr/bin/env bash
# The project's test command (README quick start, and what .ci/run calls): gofmt and vet (the chaos suite's files
# included), then every test with the race detector and, beside that run, without it, the packages whose tests
# cannot run under it (files marked //go:build !race: they release shards in the SDK consumer library, whose own
# data races the detector would report).
# The chaos suite (package chaos, build tag chaos, about a quarter of an hour) is NOT part of it: run
# scripts/chaos.sh (CI runs both).
# Tests that need real rsyslog/syslog-ng receivers or supervisord skip loudly when those are missing, unless
# CI=true, where they fail; install them with scripts/install-test-receivers.sh.
# Extra arguments go to both go test runs (e.g. -run, -v, -p 1).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== not included: the chaos suite (bash scripts/chaos.sh)"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
# Two build configurations for everything instead of three: vet and the race run share the race detector's
# (vet -race skips the files marked !race, which the second vet covers), and the binary, the packages that run
# without the race detector and their vet share scripts/build.sh's (static, paths trimmed): every configuration is
# a compilation of every dependency on an empty build cache, and of every changed package otherwise.
norace=$(grep -rl --include='*_test.go' '^//go:build !race' . | xargs -r -n1 dirname | sort -u | sed 's#^#./#; s#^\./\./#./#')
static=(env CGO_ENABLED=0)
go vet -race ./...
go vet -race -tags chaos ./chaos/
if [ -n "$norace" ]; then
  "${static[@]}" go vet -trimpath $norace
fi

# One siemship binary for every test package that runs it, instead of one build per test process.
bindir=$(mktemp -d /tmp/siemship-test-bin.XXXXXX)
trap 'rm -rf "$bindir"' EXIT
sh scripts/build.sh "$bindir/siemship" test >/dev/null
export SIEMSHIP_TEST_BINARY=$bindir/siemship # what internal/testgear/harness runs (harness.BinaryEnv)

if [ -n "$norace" ]; then
  # Beside the race run rather than after it: these tests mostly wait (consumer-group heartbeats), and the race
  # run ends with a single long package. Its output is printed at the end.
  "${static[@]}" go test -trimpath -count=1 -timeout 10m "$@" $norace >"$bindir/norace.out" 2>&1 &
  norace_pid=$!
fi
# Most packages spend their time waiting (receivers, timeouts, subprocesses) rather than computing, so more
# packages run at once than there are CPUs. Arguments given to this script come last and win (e.g. -p 1).
status=0
go test -race -count=1 -p 4 -timeout 20m "$@" ./... || status=$?
if [ -n "$norace" ]; then
  echo "== without the race detector: $norace"
  wait "$norace_pid" || status=$?
  cat "$bindir/norace.out"
fi
echo "== not included: the chaos suite (bash scripts/chaos.sh)"
exit "$status"
