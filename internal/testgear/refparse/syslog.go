package refparse

import (
	"fmt"
	"strings"
	"time"
)

// splitPrefix splits line before marker ("CEF:" or "LEEF:"). Either the line starts with marker, or an RFC 5424 or
// RFC 3164 header ends right before it ([CEF] Header Information: "Jan 18 11:07:53 host CEF:..."; [LEEF] Syslog
// header: optional, RFC 3164 or RFC 5424, separated from the LEEF header by a space). The prefix is returned as
// sent, separating space included.
func splitPrefix(line, marker string) (prefix, msg string, err error) {
	if strings.HasPrefix(line, marker) {
		return "", line, nil
	}
	p := prefixScanner{s: line, marker: marker}
	var n int
	if strings.HasPrefix(line, "<") {
		n, err = p.pri()
	}
	if err == nil {
		if n > 0 && strings.HasPrefix(line[n:], "1 ") {
			n, err = p.rfc5424(n + 2)
		} else {
			n, err = p.rfc3164(n)
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrPrefix, err)
	}
	return line[:n], line[n:], nil
}

// prefixScanner reads a syslog header up to the marker. The methods after pri take the offset to start at; all
// return the offset after what they read.
type prefixScanner struct {
	s, marker string
}

// pri reads "<PRI>", 1 to 3 digits, 0 to 191 (RFC 5424 6.2.1, RFC 3164 4.1.1; [LEEF]: "1 - 3 digits").
func (p prefixScanner) pri() (int, error) {
	end := strings.IndexByte(p.s, '>')
	if end < 2 || end > 4 {
		return 0, fmt.Errorf("PRI is not <1 to 3 digits>")
	}
	v := 0
	for _, c := range p.s[1:end] {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("PRI %q is not a number", p.s[:end+1])
		}
		v = v*10 + int(c-'0')
	}
	if v > 191 {
		return 0, fmt.Errorf("PRI %d is over 191", v)
	}
	return end + 1, nil
}

// rfc5424 reads "TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA SP [BOM]" (RFC 5424 6),
// starting after "<PRI>1 ". The LEEF guide's RFC 5424 form ends after HOSTNAME ("<13>1 2019-01-18T11:07:53.520Z
// 192.168.1.1 LEEF:..."), so the marker may follow HOSTNAME directly.
func (p prefixScanner) rfc5424(i int) (int, error) {
	ts, i, err := p.token(i, "TIMESTAMP")
	if err != nil {
		return 0, err
	}
	if err := rfc5424Time(ts); err != nil {
		return 0, err
	}
	if _, i, err = p.field(i, "HOSTNAME", 255); err != nil {
		return 0, err
	}
	if strings.HasPrefix(p.s[i:], p.marker) {
		return i, nil
	}
	for _, f := range []struct {
		name string
		max  int
	}{{"APP-NAME", 48}, {"PROCID", 128}, {"MSGID", 32}} {
		if _, i, err = p.field(i, f.name, f.max); err != nil {
			return 0, err
		}
	}
	if i, err = p.structuredData(i); err != nil {
		return 0, err
	}
	if i >= len(p.s) || p.s[i] != ' ' {
		return 0, fmt.Errorf("no SP after STRUCTURED-DATA at byte %d", i)
	}
	i++
	if strings.HasPrefix(p.s[i:], "\uFEFF") { // MSG may start with a BOM (6.4)
		i += len("\uFEFF")
	}
	if !strings.HasPrefix(p.s[i:], p.marker) {
		return 0, fmt.Errorf("MSG at byte %d does not start with %q", i, p.marker)
	}
	return i, nil
}

// rfc5424Time checks TIMESTAMP: NILVALUE or RFC 3339 with upper-case T and Z and at most 6 fractional digits
// (RFC 5424 6.2.3).
func rfc5424Time(ts string) error {
	if ts == "-" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || strings.ContainsAny(ts, "tz") {
		return fmt.Errorf("TIMESTAMP %q is not RFC 3339", ts)
	}
	if dot := strings.IndexByte(ts, '.'); dot >= 0 {
		if n := strings.IndexAny(ts[dot+1:], "Z+-"); n > 6 {
			return fmt.Errorf("TIMESTAMP %q has more than 6 fractional digits", ts)
		}
	}
	return nil
}

// structuredData reads NILVALUE or SD-ELEMENTs (RFC 5424 6.3): "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE
// DQUOTE) "]", where '"', '\' and ']' in PARAM-VALUE are escaped with '\' (6.3.3).
func (p prefixScanner) structuredData(i int) (int, error) {
	if strings.HasPrefix(p.s[i:], "-") {
		return i + 1, nil
	}
	if !strings.HasPrefix(p.s[i:], "[") {
		return 0, fmt.Errorf("STRUCTURED-DATA at byte %d is neither - nor [", i)
	}
	for i < len(p.s) && p.s[i] == '[' {
		var err error
		if i, err = p.sdName(i + 1); err != nil { // SD-ID
			return 0, err
		}
		for i < len(p.s) && p.s[i] == ' ' {
			if i, err = p.sdName(i + 1); err != nil { // PARAM-NAME
				return 0, err
			}
			if !strings.HasPrefix(p.s[i:], `="`) {
				return 0, fmt.Errorf(`no =" after PARAM-NAME at byte %d`, i)
			}
			if i, err = p.sdValue(i + 2); err != nil {
				return 0, err
			}
		}
		if i >= len(p.s) || p.s[i] != ']' {
			return 0, fmt.Errorf("SD-ELEMENT not closed by ] at byte %d", i)
		}
		i++
	}
	return i, nil
}

// sdName reads SD-NAME: 1 to 32 printable US-ASCII characters except '=', SP, ']' and '"' (RFC 5424 6).
func (p prefixScanner) sdName(i int) (int, error) {
	start := i
	for i < len(p.s) && p.s[i] > ' ' && p.s[i] < 127 && !strings.ContainsRune(`=]"`, rune(p.s[i])) {
		i++
	}
	if i == start || i-start > 32 {
		return 0, fmt.Errorf("SD-NAME at byte %d has %d characters, not 1 to 32", start, i-start)
	}
	return i, nil
}

// sdValue reads PARAM-VALUE and its closing DQUOTE.
func (p prefixScanner) sdValue(i int) (int, error) {
	for ; i < len(p.s); i++ {
		switch p.s[i] {
		case '\\':
			if i+1 < len(p.s) && strings.ContainsRune(`"\]`, rune(p.s[i+1])) {
				i++
			}
		case ']':
			return 0, fmt.Errorf("unescaped ] in PARAM-VALUE at byte %d", i)
		case '"':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("PARAM-VALUE not closed")
}

// rfc3164 reads "TIMESTAMP SP HOSTNAME SP [TAG[pid]: SP]" (RFC 3164 4.1.2 and 4.1.3; the PRI is optional for
// [LEEF] and absent from [CEF]'s example). TIMESTAMP is "Mmm dd hh:mm:ss" with a space-padded day.
func (p prefixScanner) rfc3164(i int) (int, error) {
	if len(p.s) < i+16 || !rfc3164Time(p.s[i:i+15]) || p.s[i+15] != ' ' {
		return 0, fmt.Errorf("no RFC 3164 TIMESTAMP (Mmm dd hh:mm:ss) at byte %d", i)
	}
	_, i, err := p.token(i+16, "HOSTNAME")
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(p.s[i:], p.marker) {
		return i, nil
	}
	// TAG: RFC 3164 says up to 32 alphanumerics; real tags also carry - _ . / so any printable ASCII but SP : [ ]
	// is taken, then an optional [pid], then ": ".
	start := i
	for i < len(p.s) && p.s[i] > ' ' && p.s[i] < 127 && !strings.ContainsRune(":[]", rune(p.s[i])) {
		i++
	}
	if i == start || i-start > 32 {
		return 0, fmt.Errorf("TAG at byte %d has %d characters, not 1 to 32", start, i-start)
	}
	if strings.HasPrefix(p.s[i:], "[") {
		end := strings.IndexByte(p.s[i:], ']')
		if end < 2 || strings.ContainsAny(p.s[i:i+end], " :") {
			return 0, fmt.Errorf("bad [pid] after TAG at byte %d", i)
		}
		i += end + 1
	}
	if !strings.HasPrefix(p.s[i:], ": ") || !strings.HasPrefix(p.s[i+2:], p.marker) {
		return 0, fmt.Errorf("no %q after TAG at byte %d", ": "+p.marker, i)
	}
	return i + 2, nil
}

// rfc3164Time checks "Mmm dd hh:mm:ss" (RFC 3164 4.1.2): the English month abbreviation with a capital first
// letter, day 1 to 31 padded with a space, a valid time.
func rfc3164Time(s string) bool {
	_, err := time.Parse("Jan _2 15:04:05", s)
	return err == nil && strings.Contains("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", s[:3]) &&
		s[3] == ' ' && s[6] == ' ' && (s[4] == ' ' || s[4] >= '1' && s[4] <= '3')
}

// token reads a non-empty run of characters other than SP, and the SP after it.
func (p prefixScanner) token(i int, name string) (string, int, error) {
	end := strings.IndexByte(p.s[i:], ' ')
	if end < 1 {
		return "", 0, fmt.Errorf("no %s followed by SP at byte %d", name, i)
	}
	return p.s[i : i+end], i + end + 1, nil
}

// field reads an RFC 5424 header field: NILVALUE or 1 to max printable US-ASCII characters, then SP.
func (p prefixScanner) field(i int, name string, max int) (string, int, error) {
	v, next, err := p.token(i, name)
	if err != nil {
		return "", 0, err
	}
	if len(v) > max {
		return "", 0, fmt.Errorf("%s at byte %d is longer than %d", name, i, max)
	}
	for j := 0; j < len(v); j++ {
		if v[j] < 33 || v[j] > 126 {
			return "", 0, fmt.Errorf("%s has a byte outside printable US-ASCII at byte %d", name, i+j)
		}
	}
	return v, next, nil
}
