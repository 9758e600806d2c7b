package realrecv

import (
	"context"
	"strings"
	"testing"
	"time"
)

// quirk is a message on which rsyslog 8.2302 and syslog-ng 3.38 disagree or deviate from RFC 5424; the test pins
// the observed behaviour (docs/receivers.md §4) so that a receiver upgrade that changes it is noticed.
type quirk struct {
	name     string
	listener string
	framing  framing
	msg      string
	rsyslog  func(t *testing.T, p Parsed)
	syslogNG func(t *testing.T, p Parsed)
}

var quirks = []quirk{{
	name: "dot in PARAM-NAME", listener: ListenerTCP, framing: octet,
	msg:     `<14>1 2024-01-02T03:04:05Z h app - - [a x.y="1"] m`,
	rsyslog: func(t *testing.T, p Parsed) { eq(t, "sd", p.SD, `[a x.y="1"]`) },
	// syslog-ng stores .SDATA.a.x.y and rebuilds SDATA splitting at the last dot.
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "sd", p.SD, `[a.x y="1"]`) },
}, {
	name: "repeated SD-ID and PARAM-NAME", listener: ListenerTCP, framing: octet,
	msg:     `<14>1 2024-01-02T03:04:05Z h app - - [a k="1" k="2"][a k="3"] m`,
	rsyslog: func(t *testing.T, p Parsed) { eq(t, "sd", p.SD, `[a k="1" k="2"][a k="3"]`) },
	// name-value store: the last value wins, the others are lost.
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "sd", p.SD, `[a k="3"]`) },
}, {
	name: "APP-NAME longer than 48", listener: ListenerTCP, framing: octet,
	msg:      "<14>1 2024-01-02T03:04:05Z h " + strings.Repeat("a", 60) + " - - - m",
	rsyslog:  func(t *testing.T, p Parsed) { eq(t, "app", p.App, strings.Repeat("a", 60)) },
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "app", p.App, strings.Repeat("a", 48)) },
}, {
	name: "nine fractional digits", listener: ListenerTCP, framing: octet,
	msg: "<14>1 2024-01-02T03:04:05.123456789Z h app - - - m",
	// rsyslog accepts the field but prints garbage (a non-UTF-8 byte) for the fraction.
	rsyslog: func(t *testing.T, p Parsed) {
		if NormalizeTimestamp(p.Timestamp) == "2024-01-02T03:04:05.123456789Z" {
			t.Errorf("timestamp %q reported correctly: quirk gone", p.Timestamp)
		}
	},
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "timestamp", p.Timestamp, "2024-01-02T03:04:05.123456+00:00") },
}, {
	name: "offset without colon", listener: ListenerTCP, framing: octet,
	msg: "<14>1 2024-01-02T03:04:05+0800 h app - - - m",
	// not RFC 3339: rsyslog falls back to legacy parsing, the header lands in MSG.
	rsyslog: func(t *testing.T, p Parsed) { eq(t, "msg", p.Msg, "2024-01-02T03:04:05+0800 h app - - - m") },
	// syslog-ng replaces the message by its own error event.
	syslogNG: func(t *testing.T, p Parsed) {
		eq(t, "app", p.App, "syslog-ng")
		if !strings.HasPrefix(p.Msg, "Error processing log message") {
			t.Errorf("msg = %q, want syslog-ng's parse error", p.Msg)
		}
	},
}, {
	name: "CR before LF", listener: ListenerLF, framing: lf,
	msg:      "<14>1 2024-01-02T03:04:05Z h app - - - m\r",
	rsyslog:  func(t *testing.T, p Parsed) { eq(t, "msg", p.Msg, "m\r") },
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "msg", p.Msg, "m") },
}, {
	name: "NUL in MSG", listener: ListenerTCP, framing: octet,
	msg:      "<14>1 2024-01-02T03:04:05Z h app - - - a\x00b",
	rsyslog:  func(t *testing.T, p Parsed) { eq(t, "msg", p.Msg, "a#000b") }, // escaped despite escapeControlCharactersOnReceive="off"
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "msg", p.Msg, `a\x00b`) }, // format-json's escape
}, {
	name: "octet-counted frame on an LF listener", listener: ListenerLF, framing: octet,
	msg:     "<14>1 2024-01-02T03:04:05Z h app - - - m",
	rsyslog: func(t *testing.T, p Parsed) { eq(t, "msg", p.Msg, "m") }, // same port, detected per frame
	// the length prefix becomes the start of the line.
	syslogNG: func(t *testing.T, p Parsed) { eq(t, "app", p.App, "40") },
}}

func TestRsyslogQuirks(t *testing.T) {
	t.Parallel()
	testQuirks(t, StartRsyslog(t, RsyslogOptions{}))
}

func TestSyslogNGQuirks(t *testing.T) {
	t.Parallel()
	testQuirks(t, StartSyslogNG(t, SyslogNGOptions{}))
}

func testQuirks(t *testing.T, r Receiver) {
	for _, q := range quirks {
		t.Run(q.name, func(t *testing.T) {
			n := count(t, r)
			send(t, r.Addr(q.listener), nil, q.framing, []byte(q.msg))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			msgs, err := r.WaitForCount(ctx, n+1)
			if err != nil {
				t.Fatal(err)
			}
			p := msgs[len(msgs)-1]
			if r.Name() == ReceiverRsyslog {
				q.rsyslog(t, p)
			} else {
				q.syslogNG(t, p)
			}
			if t.Failed() {
				t.Logf("reported: %+v", p)
			}
		})
	}
}

// TestSyslogNGDropsLFFrameOnOctetListener pins syslog-ng's behaviour for an LF frame on syslog(): the connection is
// closed and nothing is stored.
func TestSyslogNGDropsLFFrameOnOctetListener(t *testing.T) {
	t.Parallel()
	s := StartSyslogNG(t, SyslogNGOptions{})
	send(t, s.Addr(ListenerTCP), nil, lf, []byte("<14>1 2024-01-02T03:04:05Z h app - - - lost"))
	send(t, s.Addr(ListenerTCP), nil, octet, []byte("<14>1 2024-01-02T03:04:05Z h app - - - marker"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	msgs, err := s.WaitForCount(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Msg != "marker" {
		t.Fatalf("stored %+v, want only the marker", msgs)
	}
	if !internalLogHas(s, "Invalid frame header") {
		t.Errorf("internal log lacks \"Invalid frame header\":\n%s", s.InternalLog())
	}
}

// internalLogHas waits up to ioTimeout for syslog-ng's internal log to contain want: it is written through its own
// log path, with no order against the messages of the json output.
func internalLogHas(s *SyslogNG, want string) bool {
	deadline := time.Now().Add(ioTimeout)
	for !strings.Contains(s.InternalLog(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollInterval)
	}
	return true
}
