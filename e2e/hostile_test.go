package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// bigValue is the 100 KB value of the hostile records.
var bigValue = strings.Repeat("0123456789abcdef", 6400)

// hostileGroups returns log groups whose keys, values, topic, source and tags try everything a writer to the
// logstore could do to a syslog stream: forge a second message after a line break, move a pair boundary with the
// separator or '=', break UTF-8, smuggle control bytes, or just be very large. Every log carries seq=1..n; the
// index of the log with the 100 KB value is returned too.
func hostileGroups() (groups []*sls.LogGroup, bigSeq string) {
	type kv = [2]string
	var logs [][]kv
	add := func(pairs ...kv) { logs = append(logs, pairs) }

	add(kv{"msg", "ok\n<13>1 2026-01-01T00:00:00Z evil app - - - forged"})
	add(kv{"msg", "ok\r\n<13>1 2026-01-01T00:00:00Z evil app - - - forged"}, kv{"cr", "a\rb"}, kv{"lf\nkey", "v"})
	add(kv{"a||b", "c||d"}, kv{"ends", "ends|"}, kv{"starts", "|starts"}, kv{"||", "||"}, kv{"sep", "||seq=999999||x=y"})
	add(kv{"k=v", "a=b"}, kv{"=", "="}, kv{"a==b", "==c"}, kv{"=lead", "v"})
	add(kv{"bad\xffkey", "x\xc3\x28y"}, kv{"surrogate", "\xed\xa0\x80!"}, kv{"cut", "abc\xe2\x82"}, kv{"run", "\xff\xfe\xfd"},
		kv{"literal", `\xff` + "\xff"})
	add(kv{"big", bigValue}, kv{"after", "the pair after the big value"})
	many := make([]kv, 0, 500)
	for i := range 500 {
		many = append(many, kv{fmt.Sprintf("field%03d", i), fmt.Sprintf("value %d", i)})
	}
	add(many...)
	var ctl strings.Builder
	for c := range 0x20 {
		ctl.WriteByte(byte(c))
	}
	ctl.WriteByte(0x7f)
	add(kv{"ctl", ctl.String()}, kv{"k\x00\x1b[31m", "v\t\x7f"}, kv{"nul", "\x00"})
	add(kv{"", ""}, kv{"empty", ""}, kv{"", "empty key"})
	add(kv{"日本語", "значение ✓ 🙂"}, kv{"rtl", "\u202eevil"}, kv{"ls", "a\u2028b\u2029c"}, kv{"c1", "\u0085\u009b"}, kv{"bom", "\ufeffx"})
	add(kv{"path", `C:\temp\new`}, kv{"esc", `\x41\n\\`}, kv{"trail", `\`}, kv{`\`, `\|`})

	times := []uint32{0, 1, 999_999_999, 123_456_789, 1000, 999}
	g := &sls.LogGroup{Topic: str("audit"), Source: str("10.1.2.3"),
		LogTags: []*sls.LogTag{{Key: str("__hostname__"), Value: str("collector-1")}}}
	for i, pairs := range logs {
		seq := seqString(i + 1)
		if pairs[0][0] == "big" {
			bigSeq = seq
		}
		ns := times[i%len(times)]
		l := &sls.Log{Time: new(uint32(1767225600 + i)), TimeNs: &ns, Contents: []*sls.LogContent{{Key: str(idKey), Value: str(seq)}}}
		for _, p := range pairs {
			l.Contents = append(l.Contents, &sls.LogContent{Key: str(p[0]), Value: str(p[1])})
		}
		g.Logs = append(g.Logs, l)
	}
	// The group's own fields are hostile too: they come first in the payload.
	evil := &sls.LogGroup{
		Topic:  str("topic\n<13>1 2026-01-01T00:00:00Z evil app - - - forged||x=y"),
		Source: str("10.0.0.1||seq=1"),
		LogTags: []*sls.LogTag{
			{Key: str("__hostname__"), Value: str("h\r\n")},
			{Key: str("t=k||"), Value: str("v||\x00")},
			{Key: str(""), Value: str("")},
		},
		Logs: []*sls.Log{{Time: new(uint32(1767225700)), Contents: []*sls.LogContent{
			{Key: str(idKey), Value: str(seqString(len(logs) + 1))}, {Key: str("msg"), Value: str("fine")},
		}}},
	}
	// A group without topic, source or tags.
	bare := &sls.LogGroup{Logs: []*sls.Log{{Time: new(uint32(1767225800)), Contents: []*sls.LogContent{
		{Key: str(idKey), Value: str(seqString(len(logs) + 2))},
	}}}}
	return []*sls.LogGroup{g, evil, bare}, bigSeq
}

// TestHostileRecords puts the hostile records into the emulator and checks that each arrives as exactly one
// message whose payload parses back into exactly the original pairs, byte for byte (invalid UTF-8 included), in
// both TCP framings. With the default SYSLOG_MAX_MESSAGE_BYTES (64 KiB) the 100 KB value arrives truncated,
// counted in the pipeline's Truncated; with a limit that allows it, whole.
func TestHostileRecords(t *testing.T) {
	groups, bigSeq := hostileGroups()
	emu := harness.StartEmulator(t, 1, 0)
	if _, err := emu.Put(harness.Project, harness.Logstore, 0, groups...); err != nil {
		t.Fatal(err)
	}
	// What the emulator serves is what was put: the expectation comes from our own records.
	if stored := expectGroups(t, pullAll(t, emu)); stored.len() != expectGroups(t, groups).len() {
		t.Fatalf("emulator serves %d records, put %d", stored.len(), expectGroups(t, groups).len())
	}
	hdr := header{13, 4, "e2e-host", "siemship", "-", "HOSTILE"}

	cases := []struct {
		framing  string
		maxBytes int // 0: the default, 65536
	}{
		{"lf", 0},
		{"octet", 0},
		{"lf", 256 << 10},
		{"octet", 256 << 10},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s-max%d", tc.framing, tc.maxBytes)
		t.Run(name, func(t *testing.T) {
			exp := expectGroups(t, groups)
			limit := tc.maxBytes
			if limit == 0 {
				limit = 65536
			}
			if limit < len(bigValue) {
				exp.bySeq[bigSeq].cut, exp.bySeq[bigSeq].maxBytes = true, limit
			}
			s := startSink(t, syslogrecv.Options{MaxMessageBytes: 1 << 20})
			// The graceful stop is checked, not its speed: on a loaded machine 5 s was once too short.
			env := testEnv(emu, s.Addr(), "tcp", append(hdr.env(), "SLS_CG=hostile-"+name, "SYSLOG_FRAMING="+tc.framing,
				"SIEMSHIP_SHUTDOWN_TIMEOUT=20s", "SLS_HEARTBEAT_TIMEOUT=30s")...)
			if tc.maxBytes > 0 {
				env = append(env, fmt.Sprintf("SYSLOG_MAX_MESSAGE_BYTES=%d", tc.maxBytes))
			}
			sh := harness.StartShipper(t, env)
			s.WaitUnique(t, uint64(exp.len()), 30*time.Second)
			if err := sh.Stop(); err != nil {
				t.Errorf("graceful stop: %v", err)
			}
			s.Quiet(100*time.Millisecond, 5*time.Second)

			r := verify(t, s.Col.Messages(), exp, hdr, "||")
			st := sh.App.Stats()
			t.Logf("%s: %s; pipeline: %d records, %d truncated, %d sanitized; receiver errors %d",
				name, r, st.Records, st.Truncated, st.Sanitized, s.Receiver().Errors())
			if r.received != exp.len() || r.unique != exp.len() || r.bad != 0 || r.duplicates != 0 {
				t.Errorf("want exactly one message per record (%d): %s", exp.len(), r)
			}
			wantCut := 0
			if limit < len(bigValue) {
				wantCut = 1
			}
			if r.truncated != wantCut || st.Truncated != uint64(wantCut) {
				t.Errorf("truncated: %d received, %d counted by the pipeline; want %d", r.truncated, st.Truncated, wantCut)
			}
			if want := sanitizedRecords(groups); st.Sanitized != uint64(want) {
				t.Errorf("pipeline counted %d sanitized records, want %d", st.Sanitized, want)
			}
			if n := s.Receiver().Errors(); n != 0 {
				t.Errorf("receiver counted %d framing errors", n)
			}
		})
	}
}

// sanitizedRecords counts the logs the encoder has to change, by the rules of docs/format.md: a control byte, DEL
// or '\' anywhere, the separator inside a key or value, a value ending in the separator's first byte, '=' in a key,
// or invalid UTF-8, in the log's contents or its group's topic, source and tags.
func sanitizedRecords(groups []*sls.LogGroup) int {
	special := func(s string, key bool) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) ||
			strings.Contains(s, "||") || !utf8.ValidString(s) || key && strings.Contains(s, "=") ||
			!key && strings.HasSuffix(s, "|")
	}
	n := 0
	for _, g := range groups {
		group := special(g.GetTopic(), false) || special(g.GetSource(), false)
		for _, tag := range g.LogTags {
			group = group || special(tag.GetKey(), true) || special(tag.GetValue(), false)
		}
		for _, l := range g.Logs {
			hit := group
			for _, c := range l.Contents {
				hit = hit || special(c.GetKey(), true) || special(c.GetValue(), false)
			}
			if hit {
				n++
			}
		}
	}
	return n
}
