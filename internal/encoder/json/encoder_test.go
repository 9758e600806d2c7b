package jsonenc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

func TestNewEncoderValidation(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Options)
		wantErr string // substring; "" means valid
	}{
		{"defaults", func(*Options) {}, ""},
		{"rfc3164", func(o *Options) { o.Header.Format = header.RFC3164 }, ""},
		{"bare", func(o *Options) { o.Bare = true }, ""},
		{"bare none", func(o *Options) { o.Bare, o.Header.Framing = true, message.FramingNone }, ""},
		{"facility", func(o *Options) { o.Header.Facility = 24 }, "facility 24"},
		{"framing", func(o *Options) { o.Header.Framing = 7 }, "framing 7"},
		{"max 479", func(o *Options) { o.Header.MaxMessageBytes = 479 }, "max message bytes 479: must be at least 480"},
		{"header errors at once", func(o *Options) { o.Header.Facility, o.Header.Severity = 99, 99 }, "facility 99: must be a facility name"},
		{"header field", func(o *Options) { o.Header.Hostname = "my host" }, `hostname "my host": must be`},
		{"bare max 480", func(o *Options) { o.Bare, o.Header.MaxMessageBytes = true, 480 }, ""},
		{"bare max 479", func(o *Options) { o.Bare, o.Header.MaxMessageBytes = true, 479 }, "max message bytes 479: must be at least 480"},
		{"bare max negative", func(o *Options) { o.Bare, o.Header.MaxMessageBytes = true, -1 }, "max message bytes -1: must not be negative"},
		{"bare framing", func(o *Options) { o.Bare, o.Header.Framing = true, 9 }, "framing 9"},
		{"bare errors at once", func(o *Options) { o.Bare, o.Header.Framing, o.Header.MaxMessageBytes = true, 9, 1 }, "unknown framing 9\nmax message bytes 1"},
		// Bare sends no header: its fields are not checked, and a long one does not shrink the room.
		{"bare ignores the header", func(o *Options) {
			o.Bare, o.Header.Facility, o.Header.StructuredData, o.Header.MaxMessageBytes = true, 99, "[x]", 480
			o.Header.Hostname, o.Header.AppName = strings.Repeat("h", 255), "my app"
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions(rfc5424Octet)
			tt.mod(&o)
			e, err := NewEncoder(o)
			encodertest.CheckNew(t, e, err, tt.wantErr)
		})
	}
}

func TestAdjustments(t *testing.T) {
	o := baseOptions(rfc3164LF)
	o.Header.AppName = "a/b"
	e := mustEncoder(t, o)
	if got := strings.Join(e.Adjustments(), "\n"); !strings.Contains(got, `app name "a/b" sent as the rfc3164 tag "a_b"`) {
		t.Errorf("adjustments %q", got)
	}
	o.Bare = true
	if a := mustEncoder(t, o).Adjustments(); a != nil {
		t.Errorf("bare adjustments %q, want none (no header is sent)", a)
	}
}

// TestAppendTime compares the hand-written timestamp with package time's, also across the date cache.
func TestAppendTime(t *testing.T) {
	secs := []uint32{0, 1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800, 1709164800 /* 2024-02-29 */, 4107542400 /* 2100-03-01 */, encodertest.Sec, math.MaxUint32}
	nss := []uint32{0, 1, 999_999_999, 1_000_000_000, encodertest.Ns, math.MaxUint32}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		secs = append(secs, r.Uint32())
	}
	var c dateCache
	for _, sec := range secs {
		for _, ns := range nss {
			want := `"` + time.Unix(int64(sec), int64(ns)).UTC().Format("2006-01-02T15:04:05.000000000Z") + `"`
			for _, cache := range []*dateCache{nil, &c} {
				if got := string(appendTime([]byte("x"), sec, ns, cache)); got != "x"+want || len(want) != timeLen {
					t.Fatalf("appendTime(%d, %d) = %s, want x%s", sec, ns, got, want)
				}
			}
		}
	}
	if got := string(appendTimeMember(nil, 0, 0, nil)); got != `{"__time__":null` {
		t.Errorf("no time: %s", got)
	}
}

// TestEscape checks appendEscaped's exact output and flags for each class of input, and for every byte and
// random strings that encoding/json decodes the output to what it decodes its own encoding to.
func TestEscape(t *testing.T) {
	tests := []struct {
		in, want           string
		sanitized, lossKey bool
	}{
		{"plain text", "plain text", false, false},
		{`"quoted"`, `\"quoted\"`, false, false},
		{`C:\dir\`, `C:\\dir\\`, false, false},
		{"a\nb\rc\td\be\ff", `a\nb\rc\td\be\ff`, true, false},
		{"\x00\x01\x1b\x1f", `\u0000\u0001\u001b\u001f`, true, false},
		{"del\x7f", `del\u007f`, true, false},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`, false, false},
		{"\u2027\u202a\u0085\uFEFF", "\u2027\u202a\u0085\uFEFF", false, false},
		{"日志 🎉 \U0010FFFF", "日志 🎉 \U0010FFFF", false, false},
		{"\uFFFD", "\uFFFD", false, false},
		{"caf\xc3", `caf\ufffd`, true, true},
		{"\xed\xa0\x80", `\ufffd\ufffd\ufffd`, true, true},
		{"\xe2\x80\xa8\xe2\x80", `\u2028\ufffd\ufffd`, true, true},
		{"\xf4\x90\x80\x80", `\ufffd\ufffd\ufffd\ufffd`, true, true}, // above U+10FFFF
		{"</script>&", "</script>&", false, false},                   // no HTML escaping
		{strings.Repeat("abcdefgh", 3) + "\n" + strings.Repeat("ijklmnop", 2), strings.Repeat("abcdefgh", 3) + `\n` + strings.Repeat("ijklmnop", 2), true, false},
	}
	for _, tt := range tests {
		for _, key := range []bool{false, true} {
			var st state
			got, ok := appendEscaped(nil, tt.in, math.MaxInt, key, &st)
			if !ok || string(got) != tt.want || st.sanitized != tt.sanitized || st.lossyKey != (tt.lossKey && key) {
				t.Errorf("appendEscaped(%q, key %v) = %s, %v, %+v; want %s, sanitized %v, lossy key %v", tt.in, key, got, ok, st, tt.want, tt.sanitized, tt.lossKey && key)
			}
		}
	}
	check := func(s string) {
		t.Helper()
		var st state
		esc, _ := appendEscaped(nil, s, math.MaxInt, false, &st)
		var back string
		if err := json.Unmarshal([]byte(`"`+string(esc)+`"`), &back); err != nil || back != decoded(s) {
			t.Fatalf("%q escaped as %q decodes to %q, %v; want %q", s, esc, back, err, decoded(s))
		}
	}
	for c := range 256 {
		check(string([]byte{byte(c)}))
		check("ab" + string([]byte{byte(c)}) + "cdefghijkl")
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "\"", "\\", "\n", "\x00", "\x7f", "é", "日", "\xff", "\xe2\x80", "\u2028", "\u2029", "🎉", "\xf0\x9f"}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		check(b.String())
	}
}

// TestEscapeCut cuts one string at every limit: the output is never longer, ends at a rune or escape boundary
// (it decodes), and is a prefix of the whole escape.
func TestEscapeCut(t *testing.T) {
	s := "ab\"é\n日\xff\u2028🎉\x01" + strings.Repeat("x", 20) + "\\"
	var st state
	whole, _ := appendEscaped(nil, s, math.MaxInt, false, &st)
	for limit := 0; limit <= len(whole); limit++ {
		got, ok := appendEscaped([]byte("{"), s, 1+limit, false, &st)
		got = got[1:]
		if ok != (limit == len(whole)) || len(got) > limit || !strings.HasPrefix(string(whole), string(got)) {
			t.Fatalf("limit %d: %q, %v; whole %q", limit, got, ok, whole)
		}
		var back string
		if err := json.Unmarshal([]byte(`"`+string(got)+`"`), &back); err != nil {
			t.Fatalf("limit %d: %q does not decode: %v", limit, got, err)
		}
		if limit < len(whole) && len(got) < limit-6 { // an escape is at most 6 bytes, a rune 4
			t.Fatalf("limit %d: cut too early at %d: %q", limit, len(got), got)
		}
	}
}

func TestRenames(t *testing.T) {
	tests := []struct {
		name     string
		tags     []string
		contents []string
		want     []string // the names of the tags and contents ("" = kept); nil: nothing renamed
	}{
		{"none", []string{"host"}, []string{"a", "b", "host", "__tag__:x", "__time"}, nil},
		{"twice", nil, []string{"k", "k"}, []string{"", "k#2"}},
		{"thrice", nil, []string{"k", "k", "k"}, []string{"", "k#2", "k#3"}},
		{"number taken later", nil, []string{"k", "k", "k#2"}, []string{"", "k#3", ""}},
		{"number taken before", nil, []string{"k#2", "k", "k"}, []string{"", "", "k#3"}},
		{"renamed name repeated", nil, []string{"k", "k", "k#2"}, []string{"", "k#3", ""}},
		{"reserved", nil, []string{"__time__", "__topic__", "__source__", "__truncated__"}, []string{"__time__#2", "__topic__#2", "__source__#2", "__truncated__#2"}},
		{"tag twice", []string{"h", "h"}, []string{"__tag__:h"}, []string{"", "__tag__:h#2", "__tag__:h#3"}},
		{"tag vs content", []string{"h"}, []string{"__tag__:h", "__tag__:h#2"}, []string{"", "__tag__:h#3", ""}},
		{"invalid UTF-8", nil, []string{"\xff", "\xfe", "\uFFFD"}, []string{"", "\xfe#2", "\uFFFD#3"}},
		{"empty", nil, []string{"", ""}, []string{"", "#2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := record.Group{}
			for _, k := range tt.tags {
				g.Tags = append(g.Tags, record.Field{Key: k})
			}
			l := record.Log{}
			for _, k := range tt.contents {
				l.Contents = append(l.Contents, record.Field{Key: k})
			}
			got := renames(&g, &l)
			var want []string
			if tt.want != nil {
				want = append([]string{"", "", ""}, tt.want...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("renames = %q, want %q", got, want)
			}
			naive := false
			names := []string{"__truncated__", "__time__", "__topic__", "__source__"}
			for _, tg := range g.Tags {
				names = append(names, "__tag__:"+tg.Key)
			}
			for _, c := range l.Contents {
				names = append(names, c.Key)
			}
			for i := range names {
				naive = naive || slices.Contains(names[:i], names[i])
			}
			if r := repeats(g.Tags, &g, false) || repeats(l.Contents, &g, true); r != naive {
				t.Fatalf("repeats = %v, want %v", r, naive)
			}
		})
	}
}

// TestRepeats compares repeats (Bloom filter and scan, or map above smallSet keys) with a plain search on random
// key sets, with and without a repeat.
func TestRepeats(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g := &record.Group{Tags: encodertest.Fields("host", "")}
	words := []string{"a", "ab", "abc", "abcd", "eventName", "eventTime", "eventType", "__tag__:host", "__topic__",
		"userIdentity.accountId", "userIdentity.accessKey", "k", "", "日志", "__tag__:hos", "x"}
	for range 20000 {
		n := r.IntN(2 * smallSet)
		keys := make([]record.Field, n)
		want := false
		for i := range keys {
			w := words[r.IntN(len(words))]
			if r.IntN(4) != 0 {
				w += strings.Repeat("z", i) // mostly distinct
			}
			keys[i].Key = w
			want = want || reserved(w, g) || slices.ContainsFunc(keys[:i], func(f record.Field) bool { return f.Key == w })
		}
		if got := repeats(keys, g, true); got != want {
			t.Fatalf("repeats(%q) = %v, want %v", keys, got, want)
		}
	}
}

// TestLimitSweep writes objects at every limit from nothing to one byte more than they need, with AppendObject
// and as frames of every layout, and checks each with the oracle: valid, within the limit, cut only when needed,
// a prefix of the whole with the marker.
func TestLimitSweep(t *testing.T) {
	g := record.Group{Topic: "t\"opic", Source: "s", Tags: encodertest.Fields("host", "h\n1", "host", "h2")}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("msg", "ab\"é\n日\xff\u2028🎉\x01xyz\\", "k\xff", "v", "k\xfe", strings.Repeat("w", 40), "last", "end")}
	e := mustEncoder(t, baseOptions(bareNone))
	whole, _ := e.AppendObject(nil, &g, &l, 0)
	for limit := -1; limit <= len(whole)+1; limit++ {
		obj, res := e.AppendObject(nil, &g, &l, limit)
		room := limit
		if limit <= 0 {
			room = math.MaxInt
		}
		room = max(room, MinObjectBytes)
		checkObject(t, e, obj, &g, &l, res, room, limit > 0)
		if hasTime := strings.HasPrefix(string(obj), `{"__time__":"`); hasTime != (room >= 66) { // as docs/format.md says
			t.Fatalf("limit %d: __time__ present %v: %s", limit, hasTime, obj)
		}
		// What is left out before the limit is at most an escape (6 bytes) or a member whose name did not fit
		// (here at most 20 bytes: ,"__tag__:host#2":""), once __time__ (atomic) is in.
		if limit >= timeMemberLen+MinObjectBytes && res.Truncated && len(obj) < room-20 {
			t.Fatalf("limit %d: cut too early at %d: %s", limit, len(obj), obj)
		}
	}
	for _, ly := range allLayouts {
		o := baseOptions(ly)
		e := mustEncoder(t, o)
		frame, _ := e.AppendFrame(nil, &g, &l)
		msg, _ := encodertest.Unframe(ly.framing, frame)
		for max := header.MinMaxMessageBytes; max <= len(msg)+1; max++ {
			o.Header.MaxMessageBytes = max
			e := mustEncoder(t, o)
			frame, res := e.AppendFrame(nil, &g, &l)
			checkFrame(t, e, frame, &g, &l, res)
		}
	}
}

// TestNoAllocs: encoding a group of generated records allocates nothing once the batch has grown.
func TestNoAllocs(t *testing.T) {
	g, l := emulatorRecord()
	for range 10 {
		g.Logs = append(g.Logs, l)
	}
	for _, ly := range []layout{rfc5424Octet, rfc3164LF, bareLF} {
		e := mustEncoder(t, baseOptions(ly))
		var b message.Batch
		var s message.Scratch
		e.AppendGroup(&b, &g, nil, &s)
		if n := testing.AllocsPerRun(100, func() { b.Reset(); e.AppendGroup(&b, &g, nil, &s) }); n != 0 {
			t.Errorf("%s: %v allocations per group", ly.name, n)
		}
		buf, _ := e.AppendFrame(nil, &g, &l)
		if n := testing.AllocsPerRun(100, func() { buf, _ = e.AppendFrame(buf[:0], &g, &l) }); n != 0 {
			t.Errorf("%s: %v allocations per frame", ly.name, n)
		}
	}
}
