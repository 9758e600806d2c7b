package realrecv

import (
	"context"
	"crypto/tls"
	"maps"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/rfc5424"
)

const bom = "\uFEFF"

// rfcExample is RFC 5424 §6.5 example 3 (with a BOM before the UTF-8 MSG), PROCID as NILVALUE.
var rfcExample = []byte(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 ` +
	`[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ` + bom + `An application event log entry...`)

// crewjamMessage is built with crewjam/rfc5424 (facility local0 = 16 set numerically: its Local* constants are wrong).
func crewjamMessage(t *testing.T) []byte {
	t.Helper()
	m := rfc5424.Message{
		Priority:  rfc5424.Priority(16<<3) | rfc5424.Info,
		Timestamp: time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.FixedZone("", -7*3600)),
		Hostname:  "h2.example.org",
		AppName:   "siemship",
		ProcessID: "4242",
		MessageID: "M1",
		Message:   []byte("||__topic__=t||msg=hello wörld"),
	}
	m.AddDatum("a@32473", "k", `v with ] "q" \ b`)
	m.AddDatum("a@32473", "u", "ü")
	m.AddDatum("origin", "ip", "10.0.0.1")
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// msgCase is one message and what both receivers must report for it after normalisation; check asserts the
// receiver-specific raw values (the differences documented in docs/receivers.md).
type msgCase struct {
	name   string
	msg    func(t *testing.T) []byte
	lfOK   bool // false: contains LF, octet framing only
	want   Fields
	nilTS  bool // TIMESTAMP is NILVALUE: receivers put the receive time
	checks func(t *testing.T, p Parsed)
}

func messageCases() []msgCase {
	return []msgCase{{
		name: "rfc5424 example with BOM",
		msg:  func(*testing.T) []byte { return rfcExample },
		lfOK: true,
		want: Fields{Pri: "165", Timestamp: "2003-10-11T22:14:15.003Z", Hostname: "mymachine.example.com",
			App: "evntslog", MsgID: "ID47",
			SD:  `[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]`,
			Msg: "An application event log entry..."},
		checks: func(t *testing.T, p Parsed) {
			switch p.Receiver {
			case ReceiverRsyslog:
				eq(t, "timestamp", p.Timestamp, "2003-10-11T22:14:15.003Z")
				eq(t, "procid", p.ProcID, "-")
				eq(t, "msg", p.Msg, bom+"An application event log entry...")
				eq(t, "version", p.Version, "1")
			case ReceiverSyslogNG:
				eq(t, "timestamp", p.Timestamp, "2003-10-11T22:14:15.003000+00:00")
				eq(t, "procid", p.ProcID, "")
				eq(t, "msg", p.Msg, "An application event log entry...")
			}
			eq(t, "raw", p.Raw, string(rfcExample))
		},
	}, {
		name: "crewjam escapes and UTF-8",
		msg:  crewjamMessage,
		lfOK: true,
		want: Fields{Pri: "134", Timestamp: "2024-01-02T10:04:05.123456Z", Hostname: "h2.example.org",
			App: "siemship", ProcID: "4242", MsgID: "M1",
			SD:  `[a@32473 k="v with \] \"q\" \\ b" u="ü"][origin ip="10.0.0.1"]`,
			Msg: "||__topic__=t||msg=hello wörld"},
		checks: func(t *testing.T, p Parsed) {
			eq(t, "timestamp", p.Timestamp, "2024-01-02T03:04:05.123456-07:00")
			want := map[string]string{"a@32473.k": `v with ] "q" \ b`, "a@32473.u": "ü", "origin.ip": "10.0.0.1"}
			elems, err := ParseSD(p.SD)
			if err != nil {
				t.Fatal(err)
			}
			if got := SDParamMap(elems); !maps.Equal(got, want) {
				t.Errorf("ParseSD params = %q, want %q", got, want)
			}
			if p.Receiver == ReceiverSyslogNG && !maps.Equal(p.SDParams, want) {
				t.Errorf("sdparams = %q, want %q", p.SDParams, want)
			}
		},
	}, {
		name:  "nil header fields",
		msg:   func(*testing.T) []byte { return []byte("<13>1 - - - - - - nil fields") },
		lfOK:  true,
		nilTS: true,
		want:  Fields{Pri: "13", Msg: "nil fields"},
		checks: func(t *testing.T, p Parsed) {
			ts, err := p.Time()
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(ts); d < -time.Minute || d > time.Minute {
				t.Errorf("NILVALUE timestamp reported as %s, want the receive time", p.Timestamp)
			}
			switch p.Receiver {
			case ReceiverRsyslog:
				eq(t, "hostname", p.Hostname, "-")
				eq(t, "app", p.App, "-")
				eq(t, "sd", p.SD, "-")
			case ReceiverSyslogNG:
				eq(t, "hostname", p.Hostname, "127.0.0.1") // the sender's address
				eq(t, "app", p.App, "")
				eq(t, "sd", p.SD, "")
			}
		},
	}, {
		name: "LF and TAB inside the message",
		msg: func(*testing.T) []byte {
			return []byte("<14>1 2024-01-02T03:04:05Z host app - - - line1\nline2\tend")
		},
		want: Fields{Pri: "14", Timestamp: "2024-01-02T03:04:05Z", Hostname: "host", App: "app",
			Msg: "line1\nline2\tend"},
	}}
}

func eq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// route is a listener with the framing and TLS client settings used on it.
type route struct {
	listener   string
	framing    framing
	tls        bool
	clientCert bool
}

var routes = []route{
	{ListenerTCP, octet, false, false},
	{ListenerLF, lf, false, false},
	{ListenerTLS, octet, true, false},
	{ListenerTLSLF, lf, true, false},
	{ListenerMTLS, octet, true, true},
}

// reportedInput is the input name a receiver reports for a listener: rsyslog serves both framings on one port.
func reportedInput(receiver, listener string) string {
	if receiver == ReceiverRsyslog {
		switch listener {
		case ListenerLF:
			return ListenerTCP
		case ListenerTLSLF:
			return ListenerTLS
		}
	}
	return listener
}

// TestRsyslogListeners and TestSyslogNGListeners share one instance with every listener between subtests (the
// rsyslog gtls listener is slow to start).
func TestRsyslogListeners(t *testing.T) {
	t.Parallel()
	testListeners(t, StartRsyslog(t, RsyslogOptions{TLS: true, MTLS: true}))
}

func TestSyslogNGListeners(t *testing.T) {
	t.Parallel()
	testListeners(t, StartSyslogNG(t, SyslogNGOptions{TLS: true, MTLS: true}))
}

func testListeners(t *testing.T, r Receiver) {
	t.Run("parses over every listener", func(t *testing.T) { testParsesOverEveryListener(t, r) })
	t.Run("TLS versions", func(t *testing.T) { testTLSVersions(t, r) })
	t.Run("mTLS rejects client without certificate", func(t *testing.T) { testMTLSRejects(t, r) })
}

// count returns how many messages r stored so far.
func count(t *testing.T, r Receiver) int {
	t.Helper()
	msgs, err := r.Messages()
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// testParsesOverEveryListener sends every message case over every listener (one connection per listener and
// framing) and checks the parsed fields.
func testParsesOverEveryListener(t *testing.T, r Receiver) {
	cases := messageCases()
	total := count(t, r)
	for _, rt := range routes {
		t.Run(rt.listener, func(t *testing.T) {
			var cfg *tls.Config
			if rt.tls {
				cfg = tlsConfig(t, r.Certs(), rt.clientCert, 0)
			}
			var sent []msgCase
			var frames [][]byte
			for _, c := range cases {
				if rt.framing == lf && !c.lfOK {
					continue
				}
				sent = append(sent, c)
				frames = append(frames, c.msg(t))
			}
			send(t, r.Addr(rt.listener), cfg, rt.framing, frames...)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			msgs, err := r.WaitForCount(ctx, total+len(sent))
			total = len(msgs)
			if err != nil {
				t.Fatal(err)
			}
			got := msgs[len(msgs)-len(sent):] // one connection: arrival order = send order
			for i, c := range sent {
				t.Run(c.name, func(t *testing.T) {
					p := got[i]
					eq(t, "input", p.Input, reportedInput(r.Name(), rt.listener))
					f := p.Fields()
					if c.nilTS {
						f.Timestamp = ""
						if r.Name() == ReceiverSyslogNG {
							f.Hostname = "" // sender IP, checked below
						}
					}
					if f != c.want {
						t.Errorf("fields\n got %+v\nwant %+v\n(raw record %+v)", f, c.want, p)
					}
					if c.checks != nil {
						c.checks(t, p)
					}
				})
			}
		})
	}
}

func testTLSVersions(t *testing.T, r Receiver) {
	n := count(t, r)
	for _, listener := range []string{ListenerTLS, ListenerMTLS} {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(listener+"/"+tls.VersionName(v), func(t *testing.T) {
				c := dial(t, r.Addr(listener), tlsConfig(t, r.Certs(), listener == ListenerMTLS, v))
				defer c.Close()
				defer finish(t, c) // the next subtest connects after this session is gone
				if got := c.(*tls.Conn).ConnectionState().Version; got != v {
					t.Fatalf("negotiated %s, want %s", tls.VersionName(got), tls.VersionName(v))
				}
				msg := "<14>1 2024-01-02T03:04:05Z h app - - - " + tls.VersionName(v)
				if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Write(octet.frame([]byte(msg))); err != nil {
					t.Fatal(err)
				}
				n++
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				msgs, err := r.WaitForCount(ctx, n)
				if err != nil {
					t.Fatal(err)
				}
				last := msgs[len(msgs)-1]
				eq(t, "msg", last.Msg, tls.VersionName(v))
				eq(t, "input", last.Input, listener)
			})
		}
	}
}

// testMTLSRejects sends without a client certificate to the mutual TLS listener (for TLS 1.2 and 1.3), then a
// marker over plain TCP, and checks that only the marker was stored.
func testMTLSRejects(t *testing.T, r Receiver) {
	base := count(t, r)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := tlsConfig(t, r.Certs(), false, v)
		d := tls.Dialer{Config: cfg}
		ctx, cancel := context.WithTimeout(t.Context(), ioTimeout)
		c, err := d.DialContext(ctx, "tcp", r.Addr(ListenerMTLS))
		cancel()
		if err != nil {
			// TLS 1.2: the server's alert ends the handshake itself.
			t.Logf("%s: handshake refused: %v", tls.VersionName(v), err)
			continue
		}
		expectRejected(t, c, []byte("<14>1 2024-01-02T03:04:05Z h app - - - must not be stored"))
		_ = c.Close()
	}
	// The rejected sessions end on the receiver's side at about the time the client sees the rejection; rsyslog
	// 8.2302 can then close the marker's connection with them (see finish). A marker that is not stored within
	// 3 s is sent again.
	markers := 0
	for {
		send(t, r.Addr(ListenerTCP), nil, octet, []byte("<14>1 2024-01-02T03:04:05Z h app - - - marker"))
		markers++
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		_, err := r.WaitForCount(ctx, base+1)
		cancel()
		if err == nil {
			break
		}
		if markers == 3 {
			t.Fatalf("%d markers sent: %v", markers, err)
		}
		t.Logf("marker %d not stored: %v; sending another", markers, err)
	}
	time.Sleep(100 * time.Millisecond) // a wrongly accepted message would have been queued before the marker
	msgs, err := r.Messages()
	if err != nil {
		t.Fatal(err)
	}
	msgs = msgs[base:]
	if len(msgs) == 0 || len(msgs) > markers {
		t.Fatalf("stored %+v, want only markers (%d sent)", msgs, markers)
	}
	for _, m := range msgs {
		if m.Msg != "marker" {
			t.Fatalf("stored %+v, want only markers", msgs)
		}
	}
	if rs, ok := r.(*SyslogNG); ok && !internalLogHas(rs, "certificate") {
		t.Errorf("syslog-ng internal log does not mention the certificate:\n%s", rs.InternalLog())
	}
}

func TestRsyslogRestartKeepsPorts(t *testing.T) {
	t.Parallel()
	testRestart(t, StartRsyslog(t, RsyslogOptions{}))
}

func TestSyslogNGRestartKeepsPorts(t *testing.T) {
	t.Parallel()
	testRestart(t, StartSyslogNG(t, SyslogNGOptions{}))
}

// testRestart checks that Restart (SIGTERM) and Kill+Restart keep the listener address and the stored messages.
func testRestart(t *testing.T, r Receiver) {
	addr, lfAddr := r.Addr(ListenerTCP), r.Addr(ListenerLF)
	wait := func(n int) []Parsed {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		msgs, err := r.WaitForCount(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}
	send(t, addr, nil, octet, []byte("<14>1 2024-01-02T03:04:05Z h app - - - before"))
	wait(1)

	r.Restart(t)
	if got := r.Addr(ListenerTCP); got != addr {
		t.Fatalf("address after Restart = %s, want %s", got, addr)
	}
	send(t, addr, nil, octet, []byte("<14>1 2024-01-02T03:04:05Z h app - - - after restart"))
	wait(2)

	r.Kill()
	if c, err := (&net.Dialer{Timeout: time.Second}).DialContext(t.Context(), "tcp", addr); err == nil {
		_ = c.Close()
		t.Fatal("listener still accepts after Kill")
	}
	r.Restart(t)
	if got := r.Addr(ListenerLF); got != lfAddr {
		t.Fatalf("LF address after Kill and Restart = %s, want %s", got, lfAddr)
	}
	send(t, lfAddr, nil, lf, []byte("<14>1 2024-01-02T03:04:05Z h app - - - after kill"))
	msgs := wait(3)
	var got []string
	for _, m := range msgs {
		got = append(got, m.Msg)
	}
	if want := []string{"before", "after restart", "after kill"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("messages = %q, want %q", got, want)
	}
}
