package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestExactlyOnce ships a whole logstore of 100 000 generated audit records in 8 shards, once per framing over
// TCP, each run in its own consumer group with the built binary, and checks that every record arrived exactly once
// with every header field and every payload pair equal to what the emulator stores. The header settings differ per
// run so that the PRI covers its extremes (local7.debug = 191, kern.emerg = 0) and NILVALUE header fields.
func TestExactlyOnce(t *testing.T) {
	t.Parallel()
	const shards, records = 8, 100_000
	emu := harness.StartEmulator(t, shards, records)
	exp := expectEmulator(t, emu)
	if exp.len() != records {
		t.Fatalf("emulator holds %d records, want %d", exp.len(), records)
	}

	cases := []struct {
		name, framing string
		hdr           header
	}{
		{"tcp-lf", "lf", header{23, 7, "siem-e2e.example.com", "siemship", "4242", "AUDIT"}},
		{"tcp-octet", "octet", header{0, 0, "10.0.0.7", "-", "-", "-"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSink(t, syslogrecv.Options{})
			env := testEnv(emu, s.Addr(), "tcp", append(tc.hdr.env(), "SLS_CG=exactly-once-"+tc.name, "SYSLOG_FRAMING="+tc.framing)...)
			p := harness.StartProc(t, "siemship", env)
			s.WaitUnique(t, records, 2*time.Minute)
			took := time.Since(p.Started())
			sent := time.Now()
			p.Signal(syscall.SIGTERM)
			code, at := p.Wait(stopTimeout + stopMargin + 5*time.Second)
			if code != 0 {
				t.Errorf("exit status %d after SIGTERM, want 0", code)
			}
			if d := at.Sub(sent); d > stopTimeout+stopMargin {
				t.Errorf("exit %s after SIGTERM, want within SIEMSHIP_SHUTDOWN_TIMEOUT (%s) + %s", d, stopTimeout, stopMargin)
			}
			s.Quiet(100*time.Millisecond, 5*time.Second)
			r := verify(t, s.Col.Messages(), exp, tc.hdr, "||")
			st := p.Stopped()
			t.Logf("%s: %d records in %s (%.0f records/s, process start included); stop %s; %s; siemship: %d batches, %d records, %d failed sends",
				tc.name, records, took.Round(time.Millisecond), records/took.Seconds(), at.Sub(sent).Round(time.Millisecond), r,
				st["batches"], st["records"], st["failed_sends"])
			if r.unique != records || r.duplicates != 0 || r.missing != 0 || r.bad != 0 {
				t.Errorf("not exactly once: %s", r)
			}
			if st["records"] != records || st["truncated"] != 0 || st["failed_sends"] != 0 {
				t.Errorf("siemship reports %v, want %d records and no truncation or failed send", st, records)
			}
		})
	}
}

// TestExactlyOnceTLS ships 20 000 records in 4 shards over mutual TLS (octet counting, RFC 5425) with siemship
// in-process, under the race detector, and verifies them like TestExactlyOnce.
func TestExactlyOnceTLS(t *testing.T) {
	const records = 20_000
	emu := harness.StartEmulator(t, 4, records)
	exp := expectEmulator(t, emu)
	pki := newTLS(t)
	hdr := header{16, 6, "localhost", "siemship-tls", "77", "TLS"}
	s := startSink(t, syslogrecv.Options{Protocol: "tls", TLS: pki.server(true)})
	start := time.Now()
	sh := harness.StartShipper(t, testEnv(emu, s.Addr(), "tls", append(hdr.env(), pki.env(true)...)...))
	s.WaitUnique(t, records, time.Minute)
	took := time.Since(start)
	if err := sh.Stop(); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	s.Quiet(100*time.Millisecond, 5*time.Second)
	r := verify(t, s.Col.Messages(), exp, hdr, "||")
	st := sh.App.Stats()
	t.Logf("tls: %d records in %s; %s; pipeline: %d batches, %d records, %d failed sends",
		records, took.Round(time.Millisecond), r, st.Batches, st.Records, st.Failures)
	if r.unique != records || r.duplicates != 0 || r.missing != 0 || r.bad != 0 {
		t.Errorf("not exactly once: %s", r)
	}
	if st.Records != records || st.Truncated != 0 || st.Failures != 0 {
		t.Errorf("pipeline stats %+v, want %d records, no truncation, no failed send", st, records)
	}
}
