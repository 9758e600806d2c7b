package receivers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/realrecv"
)

const (
	deliveryRecords = 3000
	// deliveryShards is 1 because two shard workers of the SDK's consumer library v0.1.131 starting together race
	// on the lazily initialised timeouts of their shared sls.Client (Client.initHttpClient, client.go:124-129, via
	// GetCursor in consumerInitializeTask), which fails "go test -race" at random. Shard concurrency is covered by
	// the e2e package; what these tests check is how the receivers parse what siemship sends.
	deliveryShards = 1
	caseTimeout    = 60 * time.Second
)

// delivery is one way of sending to a receiver: a listener, siemship's transport settings and a header.
type delivery struct {
	name     string
	start    func(t *testing.T) realrecv.Receiver
	listener string // realrecv.Listener*
	input    string // the listener name the receiver reports (rsyslog's LF alias is its TCP input)
	protocol string // SYSLOG_PROTOCOL
	tls      func(realrecv.Certs) []string
	extra    []string
	header   header
}

func rsyslog(o realrecv.RsyslogOptions) func(t *testing.T) realrecv.Receiver {
	return func(t *testing.T) realrecv.Receiver { return realrecv.StartRsyslog(t, o) }
}

func syslogNG(o realrecv.SyslogNGOptions) func(t *testing.T) realrecv.Receiver {
	return func(t *testing.T) realrecv.Receiver { return realrecv.StartSyslogNG(t, o) }
}

// caOnly trusts the receiver's test CA; the server certificate names 127.0.0.1, so no server name is needed.
func caOnly(c realrecv.Certs) []string {
	return []string{"SYSLOG_TLS_CA_FILE=" + c.CAFile}
}

// clientCert adds the client certificate for mutual TLS and verifies the server by its DNS name.
func clientCert(c realrecv.Certs) []string {
	return []string{
		"SYSLOG_TLS_CA_FILE=" + c.CAFile,
		"SYSLOG_TLS_CERT_FILE=" + c.ClientCertFile,
		"SYSLOG_TLS_KEY_FILE=" + c.ClientKeyFile,
		"SYSLOG_TLS_SERVER_NAME=localhost",
	}
}

// app48 is an APP-NAME of exactly 48 characters, the RFC 5424 maximum (syslog-ng truncates longer ones).
var app48 = "siemship-" + strings.Repeat("a", 39)

// Every case gets its own receiver instance (cheap, except rsyslog's GnuTLS listener, which only the TLS case asks
// for), so that its output holds exactly what siemship sent in that case.

// TestRsyslog ships generated records to rsyslog over plain TCP in both framings, TLS (GnuTLS driver) and mutual
// TLS (OpenSSL driver).
func TestRsyslog(t *testing.T) {
	t.Parallel()
	for _, d := range []delivery{
		{
			name: "tcp octet", start: rsyslog(realrecv.RsyslogOptions{}),
			listener: realrecv.ListenerTCP, input: realrecv.ListenerTCP, protocol: "tcp",
			extra: []string{"SYSLOG_FRAMING=octet"},
			header: header{facility: "local4", severity: "notice", pri: 20*8 + 5,
				hostname: "e2e-host", app: "siemship", procid: "4242", msgid: "AUDIT"},
		},
		{
			name: "tcp lf", start: rsyslog(realrecv.RsyslogOptions{}),
			listener: realrecv.ListenerLF, input: realrecv.ListenerTCP, protocol: "tcp",
			extra: []string{"SYSLOG_FRAMING=lf"},
			header: header{facility: "local7", severity: "warning", pri: 23*8 + 4,
				hostname: "shipper-01.example.com", app: app48, procid: "-", msgid: "-",
				sd: sdOrigin, sdParams: sdOriginParams},
		},
		{
			name: "tls", start: rsyslog(realrecv.RsyslogOptions{TLS: true}),
			listener: realrecv.ListenerTLS, input: realrecv.ListenerTLS, protocol: "tls", tls: caOnly,
			header: header{facility: "auth", severity: "crit", pri: 4*8 + 2,
				hostname: "10.1.2.3", app: "sls-audit", procid: "1", msgid: "ActionTrail"},
		},
		{
			name: "mtls", start: rsyslog(realrecv.RsyslogOptions{MTLS: true}),
			listener: realrecv.ListenerMTLS, input: realrecv.ListenerMTLS, protocol: "tls", tls: clientCert,
			header: header{facility: "16", severity: "6", pri: 16*8 + 6,
				hostname: "e2e-host", app: "siemship", procid: "77", msgid: "MTLS",
				sd: sdOrigin, sdParams: sdOriginParams, sep: "#|"},
		},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			deliver(t, d)
		})
	}
}

// TestSyslogNG ships generated records to syslog-ng: syslog() (octet counting only) over TCP, TLS and mutual TLS,
// and network() with flags(syslog-protocol) (LF only) over TCP.
func TestSyslogNG(t *testing.T) {
	t.Parallel()
	for _, d := range []delivery{
		{
			name: "syslog tcp", start: syslogNG(realrecv.SyslogNGOptions{}),
			listener: realrecv.ListenerTCP, input: realrecv.ListenerTCP, protocol: "tcp",
			extra: []string{"SYSLOG_FRAMING=octet"},
			header: header{facility: "user", severity: "info", pri: 1*8 + 6,
				hostname: "e2e-host", app: "siemship", procid: "4242", msgid: "AUDIT",
				sd: sdOrigin, sdParams: sdOriginParams},
		},
		{
			name: "syslog tls", start: syslogNG(realrecv.SyslogNGOptions{TLS: true}),
			listener: realrecv.ListenerTLS, input: realrecv.ListenerTLS, protocol: "tls", tls: caOnly,
			header: header{facility: "local0", severity: "err", pri: 16*8 + 3,
				hostname: "shipper-01.example.com", app: "sls-audit", procid: "9", msgid: "ActionTrail"},
		},
		{
			name: "syslog mtls", start: syslogNG(realrecv.SyslogNGOptions{MTLS: true}),
			listener: realrecv.ListenerMTLS, input: realrecv.ListenerMTLS, protocol: "tls", tls: clientCert,
			header: header{facility: "security", severity: "alert", pri: 13*8 + 1,
				hostname: "e2e-host", app: "siemship", procid: "4242", msgid: "MTLS", sep: "#|"},
		},
		{
			name: "network lf", start: syslogNG(realrecv.SyslogNGOptions{}),
			listener: realrecv.ListenerLF, input: realrecv.ListenerLF, protocol: "tcp",
			extra: []string{"SYSLOG_FRAMING=lf"},
			header: header{facility: "local3", severity: "debug", pri: 19*8 + 7,
				hostname: "e2e-host", app: app48, procid: "-", msgid: "-",
				sd: sdOrigin, sdParams: sdOriginParams},
		},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			deliver(t, d)
		})
	}
}

// deliver runs one case: an emulator with generated records, a receiver, and siemship configured as d says.
func deliver(t *testing.T, d delivery) {
	ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
	defer cancel()
	rr := d.start(t)
	e := harness.StartEmulator(t, deliveryShards, 0)
	generate(t, e, deliveryRecords, 6)
	wants := expected(t, e)
	if len(wants) != deliveryRecords {
		t.Fatalf("emulator holds %d records, want %d", len(wants), deliveryRecords)
	}
	env := append(d.header.env(), d.extra...)
	if d.tls != nil {
		env = append(env, d.tls(rr.Certs())...)
	}

	start := time.Now()
	s := startShipper(t, e.Env(rr.Addr(d.listener), d.protocol, env...))
	// siemship checkpoints only what it delivered: wait for that, then for the receiver, which writes its output
	// asynchronously.
	waitCheckpointed(ctx, t, e)
	checkpointed := time.Since(start)
	waitStored(ctx, t, rr, deliveryRecords)
	arrived := time.Since(start)
	if err := s.stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	st := s.app.Stats()
	t.Logf("%d records to %s %s: all checkpointed after %v, all stored after %v; stats %+v", deliveryRecords,
		rr.Name(), d.listener, checkpointed.Round(time.Millisecond), arrived.Round(time.Millisecond), st)
	if st.Records != deliveryRecords || st.Failures != 0 || st.Truncated != 0 || st.Sanitized != 0 {
		t.Errorf("stats %+v: want %d records, no failures, nothing truncated or sanitized", st, deliveryRecords)
	}

	// Read after the shutdown, so that a late duplicate would be counted too.
	msgs, err := rr.Messages()
	if err != nil {
		t.Fatal(err)
	}
	check(t, msgs, wants, d.header, checkOptions{input: d.input})
}
