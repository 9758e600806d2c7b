package syslog

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/realrecv"
)

// Against real receivers (skipped when they are not installed): mutual TLS, the client-certificate rejection as
// OpenSSL/GnuTLS servers report it, and no loss when the receiver restarts between batches.

func TestRealReceiversRejectMissingClientCert(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) realrecv.Receiver
	}{
		{"rsyslog ossl", func(t *testing.T) realrecv.Receiver {
			return realrecv.StartRsyslog(t, realrecv.RsyslogOptions{MTLS: true})
		}},
		{"syslog-ng", func(t *testing.T) realrecv.Receiver {
			return realrecv.StartSyslogNG(t, realrecv.SyslogNGOptions{MTLS: true})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := tc.start(t)
			for _, maxVersion := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
				cfg := rr.Certs().ClientTLSConfig(false)
				cfg.MaxVersion = maxVersion
				c := client(t, Options{Protocol: ProtocolTLS, Addrs: []string{rr.Addr(realrecv.ListenerMTLS)}, TLS: cfg})
				err := c.Check(t.Context())
				t.Logf("%s without client certificate: %v", tls.VersionName(maxVersion), err)
				if !errors.Is(err, ErrClientCertRejected) {
					t.Errorf("%s: Check = %v, want ErrClientCertRejected", tls.VersionName(maxVersion), err)
				}
			}
			c := client(t, Options{Protocol: ProtocolTLS, Addrs: []string{rr.Addr(realrecv.ListenerMTLS)},
				TLS: rr.Certs().ClientTLSConfig(true)})
			bt, want := batch("m", 0, 100, 300, octet)
			if err := c.Send(t.Context(), bt); err != nil {
				t.Fatal(err)
			}
			checkReal(t, rr, want)
		})
	}
}

func TestRealReceiversRestartBetweenBatches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		listener string
		tls      bool
		start    func(t *testing.T) realrecv.Receiver
	}{
		{"rsyslog tcp", realrecv.ListenerTCP, false, func(t *testing.T) realrecv.Receiver {
			return realrecv.StartRsyslog(t, realrecv.RsyslogOptions{})
		}},
		{"rsyslog mtls", realrecv.ListenerMTLS, true, func(t *testing.T) realrecv.Receiver {
			return realrecv.StartRsyslog(t, realrecv.RsyslogOptions{MTLS: true})
		}},
		{"syslog-ng tcp", realrecv.ListenerTCP, false, func(t *testing.T) realrecv.Receiver {
			return realrecv.StartSyslogNG(t, realrecv.SyslogNGOptions{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := tc.start(t)
			o := Options{Protocol: ProtocolTCP, Addrs: []string{rr.Addr(tc.listener)}}
			if tc.tls {
				o.Protocol, o.TLS = ProtocolTLS, rr.Certs().ClientTLSConfig(true)
			}
			c := client(t, o)
			var want []string
			for i := range 3 {
				bt, msgs := batch("r", i*100, 100, 300, octet)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				want = append(want, msgs...)
				checkReal(t, rr, want)
				if i < 2 {
					rr.Restart(t)
				}
			}
			if st := c.Stats(); st.PeerClosed != 2 || st.Connects != 3 {
				t.Errorf("stats %+v, want 2 peer-closed and 3 connects", st)
			}
		})
	}
}

// checkReal waits until the receiver stored len(want) messages and compares them, in order.
func checkReal(t *testing.T, rr realrecv.Receiver, want []string) {
	t.Helper()
	got, err := rr.WaitForCount(timeout(t, 20*time.Second), len(want))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // a duplicate or a stray message would arrive by now
	if got, err = rr.Messages(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s stored %d messages, want %d", rr.Name(), len(got), len(want))
	}
	for i := range want {
		if got[i].Raw != want[i] {
			t.Fatalf("%s message %d = %q, want %q", rr.Name(), i, got[i].Raw, want[i])
		}
	}
}

// RELP, RELP over TLS (server authentication only) and RELP over mutual TLS to rsyslog imrelp: every batch
// acknowledged, every message stored once and in order, across a receiver restart between batches; and RELP over
// mutual TLS without a client certificate is refused.
func TestRealRsyslogRELP(t *testing.T) {
	rr := realrecv.StartRsyslog(t, realrecv.RsyslogOptions{RELP: true, RELPTLS: true, RELPTLSServerAuth: true})
	for _, tc := range []struct {
		name     string
		listener string
		proto    Protocol
		tls      *tls.Config
	}{
		{"relp", realrecv.ListenerRELP, ProtocolRELP, nil},
		{"relp-tls", realrecv.ListenerRELPTLSServerAuth, ProtocolRELPTLS, rr.Certs().ClientTLSConfig(false)},
		{"relp-tls mutual", realrecv.ListenerRELPTLS, ProtocolRELPTLS, rr.Certs().ClientTLSConfig(true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := rr.Messages()
			if err != nil {
				t.Fatal(err)
			}
			c := client(t, Options{Protocol: tc.proto, Addrs: []string{rr.Addr(tc.listener)}, TLS: tc.tls})
			var want []string
			for _, m := range before {
				want = append(want, m.Raw)
			}
			for i := range 3 {
				bt, msgs := batch(tc.name, i*1000, 1000, 300, bare)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				want = append(want, msgs...)
				checkReal(t, rr, want)
				if i == 1 {
					rr.Restart(t)
				}
			}
			if st := c.Stats(); st.Connects != 2 || st.Batches != 3 {
				t.Errorf("stats %+v, want 2 sessions (one restart) and 3 batches", st)
			}
		})
	}
	t.Run("relp-tls without client certificate", func(t *testing.T) {
		c := client(t, Options{Protocol: ProtocolRELPTLS, Addrs: []string{rr.Addr(realrecv.ListenerRELPTLS)},
			TLS: rr.Certs().ClientTLSConfig(false)})
		err := c.Check(t.Context())
		t.Logf("Check: %v", err)
		if !errors.Is(err, ErrClientCertRejected) {
			t.Errorf("Check = %v, want ErrClientCertRejected", err)
		}
	})
}

// Confirmation modes against rsyslog imtcp: ack and close (rsyslog closes its side when it reads our FIN, also over
// TLS after close_notify), with a receiver restart between batches.
func TestRealRsyslogConfirm(t *testing.T) {
	rr := realrecv.StartRsyslog(t, realrecv.RsyslogOptions{MTLS: true})
	for _, tc := range []struct {
		name     string
		listener string
		confirm  Confirm
		tls      bool
	}{
		{"tcp ack", realrecv.ListenerTCP, ConfirmAck, false},
		{"tcp close", realrecv.ListenerTCP, ConfirmClose, false},
		{"mtls close", realrecv.ListenerMTLS, ConfirmClose, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := rr.Messages()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, m := range before {
				want = append(want, m.Raw)
			}
			o := Options{Protocol: ProtocolTCP, Addrs: []string{rr.Addr(tc.listener)}, Confirm: tc.confirm,
				WriteTimeout: 10 * time.Second}
			if tc.tls {
				o.Protocol, o.TLS = ProtocolTLS, rr.Certs().ClientTLSConfig(true)
			}
			c := client(t, o)
			for i := range 3 {
				bt, msgs := batch(strings.ReplaceAll(tc.name, " ", "-"), i*1000, 1000, 300, octet)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				want = append(want, msgs...)
				checkReal(t, rr, want)
				if i == 1 {
					rr.Restart(t)
				}
			}
			if st := c.Stats(); st.Discarded != 0 && tc.confirm == ConfirmClose {
				t.Errorf("stats %+v: close mode discarded a connection", st)
			}
		})
	}
}
