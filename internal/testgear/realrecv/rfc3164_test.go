package realrecv

import (
	"context"
	"strings"
	"testing"
	"time"
)

// rfc3164Case is one RFC 3164 message, `<PRI>` + stamp + " " + rest, and what the receivers' default parsers report
// for it after normalisation (Parsed.Fields). The Timestamp of want is filled in by the test from stamp (see
// want3164Time); rsyslog and syslogNG replace want for a receiver that reports something else.
type rfc3164Case struct {
	name              string
	pri, stamp, rest  string
	want              Fields
	rsyslog, syslogNG *Fields
	raw               func(t *testing.T, p Parsed) // checks of values as reported
}

func (c rfc3164Case) msg() string { return "<" + c.pri + ">" + c.stamp + " " + c.rest }

func rfc3164Cases() []rfc3164Case {
	long := strings.Repeat("t", 40)
	return []rfc3164Case{{
		name: "TAG with pid, space-padded day",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host app[42]: hello world",
		want: Fields{Pri: "13", Hostname: "host", App: "app", ProcID: "42", Msg: "hello world"},
		raw: func(t *testing.T, p Parsed) {
			switch p.Receiver {
			case ReceiverRsyslog:
				eq(t, "version", p.Version, "0")
				eq(t, "msg", p.Msg, " hello world") // the space after the colon
				eq(t, "msgid", p.MsgID, "-")
				eq(t, "sd", p.SD, "-")
			case ReceiverSyslogNG:
				eq(t, "version", p.Version, "")
				eq(t, "msg", p.Msg, "hello world")
				eq(t, "msgid", p.MsgID, "")
				eq(t, "sd", p.SD, "")
			}
		},
	}, {
		name: "TAG without pid, two-digit day",
		pri:  "134", stamp: "Aug 17 01:02:03", rest: "h2.example.com siemship: ||k=v||a=b c",
		want: Fields{Pri: "134", Hostname: "h2.example.com", App: "siemship", Msg: "||k=v||a=b c"},
		raw: func(t *testing.T, p Parsed) {
			if p.Receiver == ReceiverRsyslog {
				eq(t, "procid", p.ProcID, "-")
			}
		},
	}, {
		name: "zero-padded day",
		pri:  "13", stamp: "Aug 07 12:00:00", rest: "host app: zero",
		want: Fields{Pri: "13", Hostname: "host", App: "app", Msg: "zero"},
	}, {
		name: "no TAG: the first word becomes the TAG",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host just a message",
		want: Fields{Pri: "13", Hostname: "host", App: "just", Msg: "a message"},
	}, {
		// siemship's RFC 3164 header has no TAG when APP-NAME is "-", as in the CEF and LEEF guides' examples.
		name: "no TAG, a CEF message: CEF becomes the TAG",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host CEF:0|V|P|1|100|N|5|src=1.2.3.4",
		want: Fields{Pri: "13", Hostname: "host", App: "CEF", Msg: "0|V|P|1|100|N|5|src=1.2.3.4"},
	}, {
		name: "no TAG, a JSON message: its start becomes the TAG",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: `host {"a":"1","b":"x y"}`,
		want: Fields{Pri: "13", Hostname: "host", App: `{"a"`, Msg: `"1","b":"x y"}`},
	}, {
		name: "TAG with dot, underscore, slash and dash",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host siem.ship_1/x-y[42]: m",
		want:    Fields{Pri: "13", Hostname: "host", App: "siem.ship_1/x-y", ProcID: "42", Msg: "m"},
		rsyslog: &Fields{Pri: "13", Hostname: "host", App: "siem.ship_1", ProcID: "42", Msg: "m"}, // ends at '/'
	}, {
		name: "IPv6 HOSTNAME",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "2001:db8::1 app: m",
		want: Fields{Pri: "13", Hostname: "2001:db8::1", App: "app", Msg: "m"},
		// not taken for a HOSTNAME: "2001:" is the TAG, the sender's address the HOSTNAME
		rsyslog: &Fields{Pri: "13", Hostname: "127.0.0.1", App: "2001", Msg: "db8::1 app: m"},
	}, {
		name: "no HOSTNAME: the sender's address",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "app: m",
		want: Fields{Pri: "13", Hostname: "127.0.0.1", App: "app", Msg: "m"},
	}, {
		name: "empty pid",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host app[]: m",
		want: Fields{Pri: "13", Hostname: "host", App: "app", Msg: "m"},
		raw:  func(t *testing.T, p Parsed) { eq(t, "procid", p.ProcID, "") }, // rsyslog too: not "-"
	}, {
		name: "unclosed pid",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host app[12: m",
		want:    Fields{Pri: "13", Hostname: "host", App: "app", ProcID: "12", Msg: "m"},
		rsyslog: &Fields{Pri: "13", Hostname: "host", App: "app", Msg: "m"},
	}, {
		name: "TAG longer than 32 characters (RFC 3164's limit) is kept",
		pri:  "13", stamp: "Aug  7 12:00:00", rest: "host " + long + ": m",
		want: Fields{Pri: "13", Hostname: "host", App: long, Msg: "m"},
	}, {
		name: "January stamp",
		pri:  "13", stamp: "Jan  1 00:00:00", rest: "host app: january",
		want: Fields{Pri: "13", Hostname: "host", App: "app", Msg: "january"},
	}, {
		name: "December stamp",
		pri:  "13", stamp: "Dec 31 23:59:59", rest: "host app: december",
		want: Fields{Pri: "13", Hostname: "host", App: "app", Msg: "december"},
	}}
}

// want3164Time is the instant a receiver makes of an RFC 3164 stamp received at now in its zone loc, as UTC
// RFC3339Nano (Parsed.Timestamp documents the rules): rsyslog takes the receive time's year and offset; syslog-ng
// the receive time's year, moved across New Year for a January stamp received in December and a December stamp
// received in January, and the offset at the stamp's date (loc has no daylight saving time here, so both offsets
// are the same).
func want3164Time(t *testing.T, receiver, stamp string, loc *time.Location, now time.Time) string {
	t.Helper()
	s, err := time.ParseInLocation("Jan _2 15:04:05", stamp, loc)
	if err != nil {
		t.Fatal(err)
	}
	now = now.In(loc)
	year := now.Year()
	if receiver == ReceiverSyslogNG {
		switch {
		case s.Month() == time.January && now.Month() == time.December:
			year++
		case s.Month() == time.December && now.Month() == time.January:
			year--
		}
	}
	return time.Date(year, s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(), 0, loc).UTC().Format(time.RFC3339Nano)
}

func TestRsyslogRFC3164(t *testing.T) {
	t.Parallel()
	t.Run("UTC", func(t *testing.T) {
		t.Parallel()
		testRFC3164(t, StartRsyslog(t, RsyslogOptions{}), time.UTC)
	})
	t.Run("CST-8", func(t *testing.T) {
		t.Parallel()
		testRFC3164(t, StartRsyslog(t, RsyslogOptions{TimeZone: "CST-8"}), time.FixedZone("CST", 8*3600))
	})
}

func TestSyslogNGRFC3164(t *testing.T) {
	t.Parallel()
	t.Run("UTC", func(t *testing.T) {
		t.Parallel()
		testRFC3164(t, StartSyslogNG(t, SyslogNGOptions{}), time.UTC)
	})
	t.Run("CST-8", func(t *testing.T) {
		t.Parallel()
		testRFC3164(t, StartSyslogNG(t, SyslogNGOptions{TimeZone: "CST-8"}), time.FixedZone("CST", 8*3600))
	})
}

// testRFC3164 sends every case over the plain TCP listeners in both framings (one connection each) to r, which
// runs in zone loc, and checks what its default parser reports.
func testRFC3164(t *testing.T, r Receiver, loc *time.Location) {
	cases := rfc3164Cases()
	var frames [][]byte
	for _, c := range cases {
		frames = append(frames, []byte(c.msg()))
	}
	for _, rt := range []route{{listener: ListenerTCP, framing: octet}, {listener: ListenerLF, framing: lf}} {
		t.Run(rt.listener, func(t *testing.T) {
			n := count(t, r)
			before := time.Now()
			send(t, r.Addr(rt.listener), nil, rt.framing, frames...)
			msgs := waitFor(t, r, n+len(cases))
			after := time.Now()
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					p := msgs[n+i]
					eq(t, "input", p.Input, reportedInput(r.Name(), rt.listener))
					eq(t, "raw", p.Raw, c.msg())
					want := c.want
					if o := c.rsyslog; o != nil && r.Name() == ReceiverRsyslog {
						want = *o
					}
					if o := c.syslogNG; o != nil && r.Name() == ReceiverSyslogNG {
						want = *o
					}
					got := p.Fields()
					// the year is the receive time's: accept the one before sending and the one after receiving
					if w := want3164Time(t, r.Name(), c.stamp, loc, after); got.Timestamp == w {
						want.Timestamp = w
					} else {
						want.Timestamp = want3164Time(t, r.Name(), c.stamp, loc, before)
					}
					if got != want {
						t.Errorf("fields\n got %+v\nwant %+v\n(raw record %+v)", got, want, p)
					}
					if _, off := time.Now().In(loc).Zone(); !strings.HasSuffix(p.Timestamp, zoneSuffix(off)) {
						t.Errorf("timestamp %q: want the receiver's offset %s", p.Timestamp, zoneSuffix(off))
					}
					if c.raw != nil {
						c.raw(t, p)
					}
				})
			}
		})
	}
}

// zoneSuffix is how both receivers write a UTC offset: "+08:00", "+00:00" (never "Z" for a stamp without a zone).
func zoneSuffix(off int) string {
	return time.Unix(0, 0).In(time.FixedZone("", off)).Format("-07:00")
}

// waitFor waits up to 10 s until r stored n messages and returns them.
func waitFor(t *testing.T, r Receiver, n int) []Parsed {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	msgs, err := r.WaitForCount(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
