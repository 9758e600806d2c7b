package receivers

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/sink/syslog"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/realrecv"
)

const rejectRecords = 500

// TestMutualTLSWithoutClientCertificate configures siemship without a client certificate against a listener that
// requires one. Both receivers negotiate TLS 1.3, where the client's handshake succeeds and the rejection only shows
// on the connection afterwards. siemship must report the rejection, deliver nothing and checkpoint nothing; after
// the configuration is fixed and siemship restarted, every record arrives.
func TestMutualTLSWithoutClientCertificate(t *testing.T) {
	t.Parallel()
	h := header{facility: "local5", severity: "info", pri: 21*8 + 6,
		hostname: "e2e-host", app: "siemship", procid: "4242", msgid: "REJECT"}
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) realrecv.Receiver
	}{
		{"rsyslog ossl", rsyslog(realrecv.RsyslogOptions{MTLS: true})},
		{"syslog-ng", syslogNG(realrecv.SyslogNGOptions{MTLS: true})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
			defer cancel()
			rr := tc.start(t)
			e := harness.StartEmulator(t, 1, 0)
			generate(t, e, rejectRecords, 2)
			wants := expected(t, e)
			addr := rr.Addr(realrecv.ListenerMTLS)
			certs := rr.Certs()
			env := append(h.env(), "SYSLOG_TLS_CA_FILE="+certs.CAFile, "SYSLOG_TLS_SERVER_NAME=localhost")

			// Without the client certificate: wait for two failed attempts (a retry too) and the logged reason.
			s := startShipper(t, e.Env(addr, "tls", env...))
			const reason = "rejected the client certificate"
			for s.app.Stats().Failures < 2 || len(s.logged(reason)) == 0 {
				select {
				case <-ctx.Done():
					t.Fatalf("siemship did not report the rejection: stats %+v, %d log entries",
						s.app.Stats(), s.logs.Len())
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := s.stop(); err != nil {
				t.Errorf("shutdown while the receiver rejects us: %v", err)
			}
			st := s.app.Stats()
			entries := s.logged(reason)
			t.Logf("without a client certificate: stats %+v; %d of %d warnings name the rejection, e.g. %q %v",
				st, len(entries), s.logs.Len(), entries[0].Message, entries[0].ContextMap())
			if st.Records != 0 || st.Batches != 0 {
				t.Errorf("stats %+v: nothing may count as delivered", st)
			}
			if errs := s.logged(syslog.ErrClientCertRejected.Error()); len(errs) == 0 {
				t.Errorf("no log entry carries %q", syslog.ErrClientCertRejected)
			}
			saved, end := checkpoints(e)
			for id, c := range saved {
				if c != "" {
					t.Errorf("shard %d checkpointed at %d (end %d) although nothing was delivered",
						id, decoded(saved)[id], decoded(end)[id])
				}
			}
			if n, err := storedLines(rr); err != nil || n != 0 {
				t.Errorf("receiver stored %d messages (%v), want none", n, err)
			}

			// Fixed configuration, restarted: everything arrives, exactly once.
			fixed := slices.Concat(env, []string{"SYSLOG_TLS_CERT_FILE=" + certs.ClientCertFile,
				"SYSLOG_TLS_KEY_FILE=" + certs.ClientKeyFile})
			s2 := startShipper(t, e.Env(addr, "tls", fixed...))
			waitCheckpointed(ctx, t, e)
			waitStored(ctx, t, rr, rejectRecords)
			if err := s2.stop(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			if st := s2.app.Stats(); st.Records != rejectRecords {
				t.Errorf("after the fix: stats %+v, want %d records", st, rejectRecords)
			}
			msgs, err := rr.Messages()
			if err != nil {
				t.Fatal(err)
			}
			check(t, msgs, wants, h, checkOptions{input: realrecv.ListenerMTLS})
		})
	}
}
