package encodertest

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crewjam/rfc5424"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Unframe checks the framing f of one frame and returns the SYSLOG-MSG inside it.
func Unframe(f message.Framing, frame []byte) ([]byte, error) {
	switch f {
	case message.FramingOctet:
		sp := bytes.IndexByte(frame, ' ')
		if sp < 1 || (frame[0] == '0' && sp > 1) {
			return nil, fmt.Errorf("octet frame %.20q: bad length prefix", frame)
		}
		n, err := strconv.Atoi(string(frame[:sp]))
		if err != nil || n != len(frame)-sp-1 {
			return nil, fmt.Errorf("octet prefix %q, message has %d bytes", frame[:sp], len(frame)-sp-1)
		}
		return frame[sp+1:], nil
	case message.FramingLF:
		if i := bytes.IndexByte(frame, '\n'); i != len(frame)-1 {
			return nil, fmt.Errorf("LF frame has its first LF at %d of %d bytes", i, len(frame))
		}
		return frame[:len(frame)-1], nil
	}
	return frame, nil
}

// CheckRFC5424 parses msg with crewjam/rfc5424 (the oracle, not our encoder) and requires the header fields of o
// ("-" for an empty one), the log's time to the microsecond in UTC and, for a log without a time, the NILVALUE; it
// returns crewjam's message (for a log without a time, with the epoch as its timestamp).
func CheckRFC5424(t testing.TB, o header.Options, msg []byte, l *record.Log) rfc5424.Message {
	t.Helper()
	pri, _ := header.Priority(o.Facility, o.Severity)
	nil2empty := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	hdr := fmt.Sprintf("<%d>1 ", pri)
	if !bytes.HasPrefix(msg, []byte(hdr)) {
		t.Fatalf("message %.40q does not start with %q", msg, hdr)
	}
	oracleMsg := msg
	noTime := l.Time == 0 && l.TimeNs == 0
	if noTime { // crewjam cannot parse the NILVALUE timestamp (it calls time.Parse on "-"): give it the epoch instead
		if !bytes.HasPrefix(msg[len(hdr):], []byte("- ")) {
			t.Fatalf("zero time not sent as '-': %.60q", msg)
		}
		oracleMsg = slices.Concat([]byte(hdr), []byte("1970-01-01T00:00:00Z"), msg[len(hdr)+1:])
	}
	var m rfc5424.Message
	if err := m.UnmarshalBinary(oracleMsg); err != nil {
		t.Fatalf("crewjam rejects the message: %v\nmessage: %q", err, msg)
	}
	if int(m.Priority) != pri || m.Hostname != nil2empty(o.Hostname) || m.AppName != nil2empty(o.AppName) ||
		m.ProcessID != nil2empty(o.ProcID) || m.MessageID != nil2empty(o.MsgID) {
		t.Fatalf("header mismatch: crewjam parsed %d %q %q %q %q, options %+v", m.Priority, m.Hostname, m.AppName,
			m.ProcessID, m.MessageID, o)
	}
	wantTime := time.Unix(int64(l.Time), int64(l.TimeNs)).Truncate(time.Microsecond)
	if noTime {
		wantTime = time.Unix(0, 0)
	}
	if !m.Timestamp.Equal(wantTime) || m.Timestamp.Location() != time.UTC {
		t.Fatalf("timestamp %v, want %v UTC", m.Timestamp, wantTime.UTC())
	}
	return m
}

// Message unframes frame (framing f) and requires of the message what every format promises: valid UTF-8, no
// control byte (a tab only where tab is true: LEEF's tab delimiter) and, when max > 0, at most max bytes. It
// returns the message.
func Message(t testing.TB, f message.Framing, frame []byte, max int, tab bool) []byte {
	t.Helper()
	msg, err := Unframe(f, frame)
	if err != nil {
		t.Fatalf("%v\nframe: %q", err, frame)
	}
	for i, c := range msg {
		if c < 0x20 && !(tab && c == '\t') || c == 0x7f {
			t.Fatalf("control byte %#x at %d in message %q", c, i, msg)
		}
	}
	if !utf8.Valid(msg) {
		t.Fatalf("message is not valid UTF-8: %q", msg)
	}
	if max > 0 && len(msg) > max {
		t.Fatalf("message has %d bytes, limit %d", len(msg), max)
	}
	return msg
}
