#!/usr/bin/env bash
# The chaos suite's command (README; .ci/run runs it after scripts/test.sh): package chaos, whose files carry the
# build tag chaos so that `go test ./...` and scripts/test.sh leave it out. It takes about a quarter of an hour (its
# faults last 30 s each). It needs rsyslog (scripts/install-test-receivers.sh) and, for the blackhole case, root and
# iproute2; without them the tests skip loudly, unless CI=true, where they fail. Extra arguments go to go test, e.g.
#   bash scripts/chaos.sh -run 'TestReceiverKill'
# With CHAOS_WRITE_DOC=1 a passing run rewrites docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet -race -tags chaos ./chaos/ # -race: the test run's build configuration, not a third one
bindir=$(mktemp -d /tmp/siemship-chaos-bin.XXXXXX)
trap 'rm -rf "$bindir"' EXIT
sh scripts/build.sh "$bindir/siemship" test >/dev/null
export SIEMSHIP_TEST_BINARY=$bindir/siemship # what internal/testgear/harness runs (harness.BinaryEnv)
go test -tags chaos -race -count=1 -timeout 60m "$@" ./chaos/
