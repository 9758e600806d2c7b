package receivers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/testgear/realrecv"
	"github.com/siemship/siemship/internal/testgear/refparse"
)

// The expectations below restate docs/format.md for each format, without the encoders' code: what a parser must
// give back for a record. Each check parses one stored message, finds its record by the seq the parser recovered,
// compares, and returns that seq (0 when there is none).

type reporter = func(kind, format string, args ...any)

// setting returns the last value of name in env, or def when it is not set.
func setting(env []string, name, def string) string {
	v := def
	for _, e := range env {
		if k, val, ok := strings.Cut(e, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// epochMillis is a log's __time__ and nanosecond part in milliseconds since the epoch.
func epochMillis(r pulled) int64 {
	return time.Unix(int64(r.log.GetTime()), int64(r.log.GetTimeNs())).UnixMilli()
}

func hasTime(r pulled) bool { return r.log.GetTime() != 0 || r.log.GetTimeNs() != 0 }

// slsPairs are the record's pairs in the order every format sends them: __topic__, __source__, __tag__:<key> per
// tag, and the contents; time is the pair that goes after the tags (CEF's rt comes first instead), if any.
func slsPairs(r pulled, time *refparse.Pair) []refparse.Pair {
	out := []refparse.Pair{{Key: "__topic__", Value: r.group.GetTopic()}, {Key: "__source__", Value: r.group.GetSource()}}
	for _, tag := range r.group.LogTags {
		out = append(out, refparse.Pair{Key: "__tag__:" + tag.GetKey(), Value: tag.GetValue()})
	}
	if time != nil {
		out = append(out, *time)
	}
	for _, c := range r.log.Contents {
		out = append(out, refparse.Pair{Key: c.GetKey(), Value: c.GetValue()})
	}
	return out
}

// pictured replaces what CEF and LEEF cannot carry (docs/format.md, cef "Escaping and hostile content", leef
// "Hostile content"): each C0 control by its Unicode Control Picture (U+2400 + the byte), DEL by U+2421, each byte
// that is not part of valid UTF-8 by U+FFFD, and each rune that subst maps (LF and CR in CEF values are kept: they
// travel escaped). subst may be nil.
func pictured(s string, keepBreaks bool, subst func(rune) (rune, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case keepBreaks && (r == '\n' || r == '\r'):
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		default:
			if subst != nil {
				if sub, ok := subst(r); ok {
					b.WriteRune(sub)
					break
				}
			}
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// samePrefix reports whether got is want, or, for the record cut at the size limit, a cut of it: every pair but
// the last intact, the last with the same key and a proper prefix of the value.
func samePrefix(got, want []refparse.Pair, cut bool) bool {
	if !cut {
		return slices.Equal(got, want)
	}
	n := len(got)
	return n > 0 && n <= len(want) && slices.Equal(got[:n-1], want[:n-1]) && got[n-1].Key == want[n-1].Key &&
		strings.HasPrefix(want[n-1].Value, got[n-1].Value) && len(got[n-1].Value) < len(want[n-1].Value)
}

func pairsSeq(pairs []refparse.Pair, key string) uint64 {
	for _, p := range pairs {
		if p.Key == key {
			v, _ := strconv.ParseUint(p.Value, 10, 64)
			return v
		}
	}
	return 0
}

func truncQ(v any) string { return trunc(fmt.Sprintf("%q", v)) }

// ---- kv ----

// checkKV: kv.ParsePayload gives back every pair of the record byte for byte, invalid UTF-8 included ("Hostile
// content": escaping loses nothing).
func (run formatRun) checkKV(p realrecv.Parsed, report reporter) uint64 {
	pairs, err := kv.ParsePayload(p.Fields().Msg, kv.DefaultSeparator)
	if err != nil {
		report("kv", "%v in %q", err, trunc(p.Raw))
		return 0
	}
	seq := seqOf(pairs)
	r, ok := run.recs[seq]
	if !ok {
		return 0
	}
	got := make([]refparse.Pair, len(pairs))
	for i, f := range pairs {
		got[i] = refparse.Pair{Key: f.Key, Value: f.Value}
	}
	if want := slsPairs(r, nil); !samePrefix(got, want, seq == run.cut) {
		report("kv", "seq %d: pairs differ\n got  %s\n want %s", seq, truncQ(got), truncQ(want))
	}
	return seq
}

// ---- cef ----

// cefHeader is the CEF header a record must get (docs/format.md, cef "Header"; docs/configuration.md for the
// defaults).
type cefHeader struct {
	vendor, product, version, class, name, severity string
}

func (run formatRun) cefHeader(r pulled) cefHeader {
	env := run.env
	// class and name: the setting, or the group's topic (its control characters and invalid UTF-8 pictured, cut
	// to 1023 and 512 characters), or sls and SLS log without a topic
	fromTopic := func(setting, def string, max int) string {
		if setting != "" {
			return setting
		}
		if r.group.GetTopic() == "" {
			return def
		}
		s := []rune(pictured(r.group.GetTopic(), false, nil))
		return string(s[:min(len(s), max)])
	}
	return cefHeader{
		vendor:   setting(env, "CEF_VENDOR", "Alibaba Cloud"),
		product:  setting(env, "CEF_PRODUCT", "SLS"),
		version:  setting(env, "CEF_VERSION", "1"),
		class:    fromTopic(setting(env, "CEF_EVENT_CLASS", ""), "sls", 1023),
		name:     fromTopic(setting(env, "CEF_NAME", ""), "SLS log", 512),
		severity: setting(env, "CEF_SEVERITY", "3"),
	}
}

// cefConsumerKeys are the 35 dictionary keys the CEF standard (rev. 27, chapter 2) reserves for the SIEM
// ("consumer"), which siemship sends with their first byte escaped.
var cefConsumerKeys = strings.Fields(`agentDnsDomain agentNtDomain agentTranslatedAddress
	agentTranslatedZoneExternalID agentTranslatedZoneURI agentZoneExternalID agentZoneURI agt ahost aid amac art at atz
	av customerExternalID customerURI destinationTranslatedZoneExternalID destinationTranslatedZoneURI
	destinationZoneExternalID destinationZoneURI deviceTranslatedZoneExternalID deviceTranslatedZoneURI
	deviceZoneExternalID deviceZoneURI dlat dlong eventId rawEvent slat slong sourceTranslatedZoneExternalID
	sourceTranslatedZoneURI sourceZoneExternalID sourceZoneURI`)

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

// cefKey is the CEF key sent for the SLS key k (docs/format.md, cef "Keys"): empty → "x", "x" → "x78", a consumer
// key's first byte escaped, and otherwise every byte that is not an ASCII letter or digit, and every x followed by
// two of 0-9A-F, as x and two upper-case hex digits.
func cefKey(k string) string {
	switch {
	case k == "":
		return "x"
	case k == "x":
		return "x78"
	case slices.Contains(cefConsumerKeys, k):
		return fmt.Sprintf("x%02X", k[0]) + k[1:]
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !isAlnumByte(c) || c == 'x' && i+2 < len(k) && isUpperHex(k[i+1]) && isUpperHex(k[i+2]) {
			fmt.Fprintf(&b, "x%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cefDecodeKey is the inverse docs/format.md gives: "x" alone is the empty key; otherwise every x followed by two
// upper-case hex digits is the byte they name.
func cefDecodeKey(k string) string {
	if k == "x" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] == 'x' && i+2 < len(k) && isUpperHex(k[i+1]) && isUpperHex(k[i+2]) {
			v, _ := strconv.ParseUint(k[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(k[i])
	}
	return b.String()
}

// cefPairs are the extension pairs a record must get, keys as sent and values as a parser unescapes them, the
// final value with its trailing spaces (docs/format.md, cef "Extension"): rt, slsTopic, slsSource, slsTag<key> per
// tag, the contents.
func cefPairs(r pulled) (sent []refparse.Pair, sls []string) {
	var pairs []refparse.Pair
	if hasTime(r) {
		pairs = append(pairs, refparse.Pair{Key: "rt", Value: strconv.FormatInt(epochMillis(r), 10)})
	}
	pairs = append(pairs, refparse.Pair{Key: "slsTopic", Value: r.group.GetTopic()},
		refparse.Pair{Key: "slsSource", Value: r.group.GetSource()})
	for _, tag := range r.group.LogTags {
		pairs = append(pairs, refparse.Pair{Key: "slsTag" + tag.GetKey(), Value: tag.GetValue()})
	}
	for _, c := range r.log.Contents {
		pairs = append(pairs, refparse.Pair{Key: c.GetKey(), Value: c.GetValue()})
	}
	for _, p := range pairs {
		sent = append(sent, refparse.Pair{Key: cefKey(p.Key), Value: pictured(p.Value, true, nil)})
		sls = append(sls, p.Key)
	}
	return sent, sls
}

// checkCEF parses the raw message with refparse.ParseCEF (the standard) and, on rsyslog, compares what liblognorm
// reported.
func (run formatRun) checkCEF(p realrecv.Parsed, report reporter) uint64 {
	c, err := refparse.ParseCEF(p.Raw)
	if err != nil {
		report("refparse", "%v in %q", err, trunc(p.Raw))
		return 0
	}
	seq := pairsSeq(c.Extension, "seq")
	r, ok := run.recs[seq]
	if !ok {
		return 0
	}
	at := fmt.Sprintf("seq %d", seq)
	cut := seq == run.cut
	h := run.cefHeader(r)
	if got := (cefHeader{c.DeviceVendor, c.DeviceProduct, c.DeviceVersion, c.DeviceEventClassID, c.Name, c.Severity}); c.Version != 0 || got != h {
		report("CEF header", "%s: CEF:%d %+v, want CEF:0 %+v", at, c.Version, got, h)
	}
	if ov := c.Overlong(); ov != nil {
		report("CEF header", "%s: fields over the standard's limits: %v", at, ov)
	}
	sent, sls := cefPairs(r)
	// The standard: the final value loses its trailing spaces.
	want := slices.Clone(sent)
	want[len(want)-1].Value = strings.TrimRight(want[len(want)-1].Value, " ")
	if !samePrefix(c.Extension, want, cut) {
		report("CEF extension", "%s: refparse pairs differ\n got  %s\n want %s", at, truncQ(c.Extension), truncQ(want))
	}
	for i, pair := range c.Extension {
		if i < len(sls) && cefDecodeKey(pair.Key) != sls[i] {
			report("CEF key", "%s: key %q decodes to %q, want the SLS key %q", at, pair.Key, cefDecodeKey(pair.Key), sls[i])
		}
	}
	if p.Receiver == realrecv.ReceiverRsyslog {
		checkLiblognorm(p, at, h, sent, len(c.Extension), cut, report)
	}
	return seq
}

// checkLiblognorm compares what liblognorm 2.0.6 (rsyslog mmnormalize) reported with the header and the sent pairs,
// after its quirks (docs/receivers.md §6.3, pinned by realrecv's cef_test.go): the character after the Severity's |
// is skipped, so the first key loses its first character; the final value keeps its trailing spaces; an empty final
// value fails the message; a repeated key keeps its last value at the place of its first. n is the number of pairs
// refparse found (fewer than sent in a cut message, whose last value is then a prefix).
func checkLiblognorm(p realrecv.Parsed, at string, h cefHeader, sent []refparse.Pair, n int, cut bool, report reporter) {
	e := p.CEF
	if e == nil {
		report("liblognorm", "%s: no CEF reported", at)
		return
	}
	if sent[len(sent)-1].Value == "" && !cut {
		if e.OK {
			report("liblognorm", "%s: parsed a message with an empty final value (a 2.0.6 quirk fails it): %+v", at, e)
		}
		return
	}
	if !e.OK {
		report("liblognorm", "%s: not parsed: %q", at, trunc(e.Unparsed))
		return
	}
	if got := (cefHeader{e.DeviceVendor, e.DeviceProduct, e.DeviceVersion, e.SignatureID, e.Name, e.Severity}); got != h {
		report("liblognorm header", "%s: %+v, want %+v", at, got, h)
	}
	want := slices.Clone(sent[:n])
	want[0].Key = want[0].Key[1:]
	var got []refparse.Pair
	for _, x := range e.Extensions {
		got = append(got, refparse.Pair{Key: x.Key, Value: x.Value})
	}
	if cut {
		if !samePrefix(got, want, true) {
			report("liblognorm extension", "%s (cut): %s is not a cut of %s", at, truncQ(got), truncQ(want))
		}
		return
	}
	// a repeated key: its last value, at the place of its first
	var collapsed []refparse.Pair
	for _, w := range want {
		if i := slices.IndexFunc(collapsed, func(c refparse.Pair) bool { return c.Key == w.Key }); i >= 0 {
			collapsed[i].Value = w.Value
		} else {
			collapsed = append(collapsed, w)
		}
	}
	if !slices.Equal(got, collapsed) {
		report("liblognorm extension", "%s: pairs differ\n got  %s\n want %s", at, truncQ(got), truncQ(collapsed))
	}
}

// ---- leef ----

// checkLEEF parses the raw message with refparse.ParseLEEF (IBM's guide) and compares it with docs/format.md, leef.
func (run formatRun) checkLEEF(p realrecv.Parsed, report reporter) uint64 {
	l, err := refparse.ParseLEEF(p.Raw)
	if err != nil {
		report("refparse", "%v in %q", err, trunc(p.Raw))
		return 0
	}
	seq := pairsSeq(l.Attributes, "seq")
	r, ok := run.recs[seq]
	if !ok {
		return 0
	}
	at := fmt.Sprintf("seq %d", seq)

	// Header: LEEF:2.0 by default; the delimiter as one character when it is printable ASCII other than |, else x
	// and its hex code (the default tab is x09).
	delim, spec := '\t', "x09"
	if d := setting(run.env, "LEEF_DELIMITER", ""); d != "" {
		delim, spec = []rune(d)[0], d
	}
	type hdr struct{ version, vendor, product, productVersion, eventID, spec string }
	want := hdr{"2.0", setting(run.env, "LEEF_VENDOR", "Alibaba Cloud"), setting(run.env, "LEEF_PRODUCT", "SLS"),
		setting(run.env, "LEEF_PRODUCT_VERSION", "1.0"), setting(run.env, "LEEF_EVENT_ID", "log"), spec}
	if got := (hdr{l.Version, l.Vendor, l.Product, l.ProductVersion, l.EventID, l.DelimiterSpec}); got != want || l.Delimiter != delim {
		report("LEEF header", "%s: %+v delimiter %q, want %+v delimiter %q", at, got, l.Delimiter, want, delim)
	}

	// Attributes: topic, source, tags, devTime (13 digits), contents; the substitutes of "Hostile content"; an empty
	// key becomes U+FFFD; a key used before gets _<its attribute number> until it is unique ("Keys are unique").
	var devTime *refparse.Pair
	if hasTime(r) {
		devTime = &refparse.Pair{Key: "devTime", Value: fmt.Sprintf("%013d", epochMillis(r))}
	}
	fullwidth := func(special ...rune) func(rune) (rune, bool) {
		return func(c rune) (rune, bool) {
			switch {
			case !slices.Contains(special, c):
				return 0, false
			case c > 0x20 && c < 0x7f:
				return 0xFF01 + c - '!', true
			}
			return '\uFFFD', true
		}
	}
	attrs := slsPairs(r, devTime)
	used := map[string]bool{}
	for i := range attrs {
		k := pictured(attrs[i].Key, false, fullwidth(delim, '=', '|'))
		if k == "" {
			k = "\uFFFD"
		}
		for used[k] {
			k += "_" + strconv.Itoa(i+1)
		}
		used[k] = true
		attrs[i] = refparse.Pair{Key: k, Value: pictured(attrs[i].Value, false, fullwidth(delim))}
	}
	if !samePrefix(l.Attributes, attrs, seq == run.cut) {
		report("LEEF attributes", "%s: differ\n got  %s\n want %s", at, truncQ(l.Attributes), truncQ(attrs))
	}
	return seq
}

// ---- json ----

// member is one member of a JSON object as a decoder gives it back: a string, nil (null) or true.
type member struct {
	Key   string
	Value any
}

// jsonMembers is the object a record must be sent as (docs/format.md, json "Object", "Keys: unique, in record
// order", "Lossy points"): __time__ (RFC 3339 in UTC with nine fractional digits, or null), __topic__, __source__,
// __tag__:<key>, the contents, and for a cut object "__truncated__":true. Invalid UTF-8 becomes U+FFFD byte by
// byte; a name that an earlier member has, and a content named __truncated__, become name#N with the smallest N
// from 2 that no other member has and no earlier member got.
func jsonMembers(r pulled) []member {
	var tm any
	if hasTime(r) {
		tm = time.Unix(int64(r.log.GetTime()), int64(r.log.GetTimeNs())).UTC().Format("2006-01-02T15:04:05.000000000Z")
	}
	pairs := slsPairs(r, nil)
	fix := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); {
			c, size := utf8.DecodeRuneInString(s[i:])
			if c == utf8.RuneError && size == 1 {
				b.WriteRune('\uFFFD')
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
		}
		return b.String()
	}
	names := map[string]bool{"__time__": true}
	for _, p := range pairs {
		names[fix(p.Key)] = true
	}
	out := []member{{Key: "__time__", Value: tm}}
	given := map[string]bool{"__time__": true}
	for i, p := range pairs {
		k := fix(p.Key)
		content := i >= len(pairs)-len(r.log.Contents)
		if given[k] || content && k == "__truncated__" {
			for n := 2; ; n++ {
				if c := k + "#" + strconv.Itoa(n); !names[c] && !given[c] {
					k = c
					break
				}
			}
		}
		given[k] = true
		out = append(out, member{Key: k, Value: fix(p.Value)})
	}
	return out
}

// decodeMembers decodes a JSON object with encoding/json, keeping its members' order.
func decodeMembers(s string) ([]member, error) {
	d := json.NewDecoder(strings.NewReader(s))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object (%v)", err)
	}
	var out []member
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{Key: t.(string), Value: v})
	}
	if _, err := d.Token(); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("text after the object")
	}
	return out, nil
}

// checkJSON decodes MSG with encoding/json and compares what the receiver's JSON parser reported.
func (run formatRun) checkJSON(p realrecv.Parsed, report reporter) uint64 {
	msg := p.Fields().Msg
	if run.c.header == "none" {
		msg = p.Raw
	}
	got, err := decodeMembers(msg)
	if err != nil {
		report("json", "%v in %q", err, trunc(msg))
		return 0
	}
	var seq uint64
	for _, m := range got {
		if s, ok := m.Value.(string); ok && m.Key == "seq" {
			seq, _ = strconv.ParseUint(s, 10, 64)
		}
	}
	r, ok := run.recs[seq]
	if !ok {
		return 0
	}
	at := fmt.Sprintf("seq %d", seq)
	want := jsonMembers(r)
	if seq == run.cut {
		// cut: members kept from the start, the last kept one's string value cut, then the marker
		n := len(got) - 1
		ok := n >= 1 && n <= len(want) && got[n] == member{"__truncated__", true} &&
			slices.Equal(got[:n-1], want[:n-1]) && got[n-1].Key == want[n-1].Key
		if ok {
			gv, _ := got[n-1].Value.(string)
			wv, _ := want[n-1].Value.(string)
			ok = strings.HasPrefix(wv, gv) && len(gv) < len(wv)
		}
		if !ok {
			report("json", "%s (cut): %s is not a cut of %s", at, truncQ(got), truncQ(want))
		}
		want = append(slices.Clone(got[:n]), member{"__truncated__", true})
	} else if !slices.Equal(got, want) {
		report("json", "%s: members differ\n got  %s\n want %s", at, truncQ(got), truncQ(want))
	}

	b := p.JSON
	switch {
	case b == nil:
		report("json parser", "%s: no JSON reported", at)
	case !b.OK:
		report("json parser", "%s: %s did not parse MSG: %s", at, p.Receiver, truncQ(b.Tree))
	case p.Receiver == realrecv.ReceiverRsyslog:
		// mmjsonparse: JSON types, message order; a string ends at an escaped NUL.
		tree, keys := map[string]any{}, []string{}
		for _, m := range want {
			v := m.Value
			if s, ok := v.(string); ok {
				v, _, _ = strings.Cut(s, "\x00")
			}
			tree[m.Key] = v
			keys = append(keys, m.Key)
		}
		if !reflect.DeepEqual(b.Tree, tree) || !slices.Equal(b.Keys, keys) {
			report("mmjsonparse", "%s: tree or key order differ\n got  %s %s\n want %s %s", at,
				truncQ(b.Tree), truncQ(b.Keys), truncQ(tree), truncQ(keys))
		}
	default:
		// json-parser(): strings only (null is "", true "true"); a string ends at an escaped NUL; dotted names
		// come back nested (joined again here); the empty name comes back as the prefix, "json".
		tree := map[string]any{}
		for _, m := range want {
			var v string
			switch x := m.Value.(type) {
			case string:
				v, _, _ = strings.Cut(x, "\x00")
			case bool:
				v = strconv.FormatBool(x)
			}
			k := m.Key
			if k == "" {
				k = "json"
			}
			tree[k] = v
		}
		flat := map[string]any{}
		flattenTree(flat, "", b.Tree)
		if !reflect.DeepEqual(flat, tree) {
			report("json-parser", "%s: tree differs\n got  %s\n want %s", at, truncQ(flat), truncQ(tree))
		}
	}
	return seq
}

// flattenTree joins syslog-ng's nested objects back into dotted names.
func flattenTree(dst map[string]any, prefix string, m map[string]any) {
	for k, v := range m {
		if prefix != "" {
			k = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flattenTree(dst, k, sub)
		} else {
			dst[k] = v
		}
	}
}
