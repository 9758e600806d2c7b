//go:build chaos

// Package chaos is siemship's chaos suite (issue 4): it runs the built siemship binary as one or more subprocesses
// against the SLS emulator and a real receiver (internal/testgear/syslogrecv in the test process, or a private rsyslogd from
// internal/testgear/realrecv), injects one fault per case (receiver restarts, kills, downtime and stalls; a receiver cut off
// without a FIN in a network namespace; SLS 5xx and 403 answers; SLS unreachable for one replica through a
// forwarder; replicas killed or stopped; a shard split; an expired checkpoint; poison records) in every
// confirmation mode the case applies to, and reports one row per case and mode: records produced, delivered
// unique, lost, duplicates, expired by retention and recovery time. The blackhole case needs root and iproute2.
//
// The tests fail when a mode that promises no loss (relp, close) loses a record in any case, when any mode loses a
// record in a graceful case, and when duplicates exceed the stated bound. Losses of write and ack under receiver
// crashes are measured and reported, not asserted.
//
// The suite takes about a quarter of an hour (its faults last 30 s each), so its files carry the build tag chaos:
// `go test ./...` and scripts/test.sh leave it out, and it has its own command, which CI runs after the main tests:
//
//	bash scripts/chaos.sh                       (go test -tags chaos -race -count=1 ./chaos/)
//
// With CHAOS_WRITE_DOC=1 a passing run writes the table, the machine and the date to docs/RELIABILITY.md; normal
// runs never touch the docs:
//
//	CHAOS_WRITE_DOC=1 bash scripts/chaos.sh
package chaos
