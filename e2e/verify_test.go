package e2e

import (
	"bytes"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/crewjam/rfc5424"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/record"
)

// header is what every message's RFC 5424 header must carry, as configured through SYSLOG_* variables.
type header struct {
	facility, severity           int
	hostname, app, procID, msgID string
}

func (h header) pri() int { return h.facility*8 + h.severity }

// env returns the SYSLOG_* settings that produce h.
func (h header) env() []string {
	return []string{
		fmt.Sprintf("SYSLOG_FACILITY=%d", h.facility),
		fmt.Sprintf("SYSLOG_SEVERITY=%d", h.severity),
		"SYSLOG_HOSTNAME=" + h.hostname,
		"SYSLOG_APP_NAME=" + h.app,
		"SYSLOG_PROCID=" + h.procID,
		"SYSLOG_MSGID=" + h.msgID,
	}
}

// The exact shape siemship promises: VERSION 1, a UTC timestamp with exactly six fractional digits, four header
// fields and the NILVALUE structured data, then one space and the payload. crewjam's parser accepts more (any
// fraction, offsets), so the shape is checked on the raw bytes too. (The header is split by hand: a regular
// expression over whole messages is the slowest part of verify under the race detector.)
var (
	rawPriVersion = regexp.MustCompile(`^<(\d{1,3})>1$`)
	rawTimestamp  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
)

// splitHeader cuts the seven space-separated header fields (PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID,
// MSGID, STRUCTURED-DATA) off a message whose structured data is a single word.
func splitHeader(raw []byte) (f [7]string, msg []byte, ok bool) {
	rest := raw
	for i := range f {
		j := bytes.IndexByte(rest, ' ')
		if j <= 0 {
			return f, nil, false
		}
		f[i], rest = string(rest[:j]), rest[j+1:]
	}
	return f, rest, true
}

// tally is what verify counted.
type tally struct {
	received   int // messages
	unique     int // expected records received at least once
	duplicates int // messages of a record received before
	missing    int // expected records never received
	bad        int // messages that failed a check (each reported)
	truncated  int // records received cut to the size limit (allowed only where want.cut)
}

func (r tally) String() string {
	return fmt.Sprintf("received %d, unique %d, duplicates %d, missing %d, bad %d, truncated %d",
		r.received, r.unique, r.duplicates, r.missing, r.bad, r.truncated)
}

// verify checks every received message against the expectation: the raw header shape, every header field as
// parsed by crewjam/rfc5424 (the reference parser, not our encoder), the timestamp, and every payload pair as
// kv.ParsePayload returns it. It reports each problem (the first few of each kind) and returns the counts;
// exactly-once is then unique == exp.len() with duplicates, missing and bad all zero. The messages are checked on
// all CPUs: under the race detector, parsing 100 000 messages is the slowest part of the package.
func verify(t testing.TB, msgs [][]byte, exp *expectation, h header, sep string) tally {
	t.Helper()
	results := make([]checked, len(msgs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(msgs); i += workers {
				results[i] = check(msgs[i], exp, h, sep)
			}
		})
	}
	wg.Wait()

	var r tally
	seen := make(map[string]int, exp.len())
	reported := map[string]int{}
	for i, c := range results {
		r.received++
		if c.kind != "" {
			r.bad++
			if reported[c.kind]++; reported[c.kind] <= 5 {
				t.Errorf("%s: message %d: %s", c.kind, i, c.detail)
			}
			continue
		}
		if c.truncated {
			r.truncated++
		}
		seen[c.seq]++
		if seen[c.seq] > 1 {
			r.duplicates++
		}
	}
	r.unique = len(seen)
	for seq := range exp.bySeq {
		if seen[seq] == 0 {
			r.missing++
			if r.missing <= 5 {
				t.Errorf("record %s=%s never arrived", idKey, seq)
			}
		}
	}
	for kind, n := range reported {
		if n > 5 {
			t.Errorf("%s: %d problems in all", kind, n)
		}
	}
	return r
}

// checked is the verdict on one message: the record it carries, or the kind of problem.
type checked struct {
	seq       string
	truncated bool
	kind      string // "" when the message is right
	detail    string
}

func bad(kind, f string, args ...any) checked {
	return checked{kind: kind, detail: fmt.Sprintf(f, args...)}
}

// check verifies one message; see verify.
func check(raw []byte, exp *expectation, h header, sep string) checked {
	for j, c := range raw {
		if c < 0x20 || c == 0x7f {
			return bad("control byte", "byte %#x at offset %d: %.200q", c, j, raw)
		}
	}
	if !utf8.Valid(raw) { // invalid UTF-8 in a record must arrive as \xHH escapes
		return bad("invalid UTF-8", "%.200q", raw)
	}
	f, msg, ok := splitHeader(raw)
	var pri []string
	if ok {
		pri = rawPriVersion.FindStringSubmatch(f[0])
	}
	if pri == nil || !rawTimestamp.MatchString(f[1]) || f[6] != "-" {
		return bad("header shape", "%.200q", raw)
	}
	if pri[1] != strconv.Itoa(h.pri()) || f[2] != h.hostname || f[3] != h.app || f[4] != h.procID || f[5] != h.msgID {
		return bad("raw header", "%q, want PRI %d host %q app %q procid %q msgid %q",
			f[:6], h.pri(), h.hostname, h.app, h.procID, h.msgID)
	}
	var m rfc5424.Message
	if err := m.UnmarshalBinary(raw); err != nil {
		return bad("rfc5424 parse", "%v: %.200q", err, raw)
	}
	// crewjam returns the NILVALUE "-" of HOSTNAME ... MSGID as "".
	if int(m.Priority) != h.pri() || m.Hostname != nilValue(h.hostname) || m.AppName != nilValue(h.app) ||
		m.ProcessID != nilValue(h.procID) || m.MessageID != nilValue(h.msgID) || len(m.StructuredData) != 0 {
		return bad("header fields", "PRI %d host %q app %q procid %q msgid %q sd %v, want %d %q %q %q %q none",
			m.Priority, m.Hostname, m.AppName, m.ProcessID, m.MessageID, m.StructuredData,
			h.pri(), nilValue(h.hostname), nilValue(h.app), nilValue(h.procID), nilValue(h.msgID))
	}
	if string(m.Message) != string(msg) {
		return bad("msg", "parser's MSG %.80q differs from the raw payload %.80q", m.Message, msg)
	}
	pairs, err := kv.ParsePayload(string(m.Message), sep)
	if err != nil {
		return bad("payload parse", "%v: %.200q", err, m.Message)
	}
	seq := ""
	for _, p := range pairs {
		if p.Key == idKey {
			seq = p.Value
			break
		}
	}
	w := exp.bySeq[seq]
	if w == nil {
		return bad("unexpected", "%s=%q is not an expected record: %.200q", idKey, seq, raw)
	}
	if !m.Timestamp.Equal(w.time) || m.Timestamp.Location().String() != "UTC" {
		return bad("timestamp", "%s=%s: timestamp %s (raw %s), want %s", idKey, seq, m.Timestamp, f[1],
			w.time.Format("2006-01-02T15:04:05.000000Z07:00"))
	}
	c := checked{seq: seq}
	if w.cut {
		if err := truncatedOf(pairs, w.pairs); err != nil {
			return bad("truncated payload", "%s=%s: %v", idKey, seq, err)
		}
		if w.maxBytes > 0 && len(raw) > w.maxBytes {
			return bad("truncated payload", "%s=%s: message of %d bytes exceeds the limit of %d", idKey, seq, len(raw), w.maxBytes)
		}
		c.truncated = true
	} else if err := samePairs(pairs, w.pairs); err != nil {
		return bad("payload", "%s=%s: %v", idKey, seq, err)
	}
	return c
}

// nilValue is how crewjam/rfc5424 returns a header field: "" for the NILVALUE.
func nilValue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// samePairs reports the first difference between the received and the expected pairs.
func samePairs(got, want []record.Field) error {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Errorf("pair %d is %.120q=%.120q, want %.120q=%.120q", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d pairs, want %d", len(got), len(want))
	}
	return nil
}

// truncatedOf checks that got is want cut short: equal pairs, then a last pair whose value is a proper prefix of
// the original (or whole, with the pairs after it left out).
func truncatedOf(got, want []record.Field) error {
	if len(got) == 0 || len(got) > len(want) {
		return fmt.Errorf("%d pairs, want 1..%d", len(got), len(want))
	}
	n := len(got) - 1
	if err := samePairs(got[:n], want[:n]); err != nil {
		return err
	}
	last, orig := got[n], want[n]
	if last.Key != orig.Key || !strings.HasPrefix(orig.Value, last.Value) {
		return fmt.Errorf("last pair %.60q=%.60q is not a prefix of %.60q=%.60q", last.Key, last.Value, orig.Key, orig.Value)
	}
	if len(got) == len(want) && last.Value == orig.Value {
		return fmt.Errorf("payload arrived whole, want it truncated")
	}
	return nil
}
