package refparse

import (
	"fmt"
	"strings"
)

// CEF is one parsed CEF message ([CEF] Header Information):
//
//	CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|[Extension]
type CEF struct {
	Prefix             string // the syslog header before "CEF:" as sent, separating space included; "" if none
	Version            int    // 0 (CEF:0, specification 0.1) or 1 (CEF:1, specification 1.x)
	DeviceVendor       string // the header fields, unescaped
	DeviceProduct      string
	DeviceVersion      string
	DeviceEventClassID string
	Name               string
	Severity           string // as sent: Unknown, Low, Medium, High, Very-High or 0 to 10
	Extension          []Pair // in message order, duplicates kept
}

// ParseCEF parses one CEF message, optionally after an RFC 5424 or RFC 3164 header. See the package doc for what
// is an error.
func ParseCEF(line string) (CEF, error) {
	if err := checkLine(line); err != nil {
		return CEF{}, err
	}
	prefix, msg, err := splitPrefix(line, "CEF:")
	if err != nil {
		return CEF{}, err
	}
	base := len(prefix) + len("CEF:")
	rest := msg[len("CEF:"):]

	// Header Field Definitions: "CEF Version is an integer": 0 for CEF 0.1, 1 for CEF 1.x.
	version, rest, ok := strings.Cut(rest, "|")
	if !ok {
		return CEF{}, fmt.Errorf("%w: no | after CEF:%s", ErrHeader, version)
	}
	if version != "0" && version != "1" {
		return CEF{}, fmt.Errorf("%w: CEF:%q (0 or 1)", ErrVersion, version)
	}
	base += len(version) + 1

	// Header Information: "All of the following fields must be present"; each ends with an unescaped |, the
	// seventh (after Severity) too, with the extension after it.
	var h [6]string
	var b strings.Builder
	n, i := 0, 0
	for ; n < len(h) && i < len(rest); i++ {
		switch c := rest[i]; c {
		case '\\':
			// Character Encoding: in the header, "\|" is a pipe and "\\" a backslash; nothing else is escaped.
			if i+1 == len(rest) || rest[i+1] != '|' && rest[i+1] != '\\' {
				return CEF{}, fmt.Errorf(`%w: backslash in the header not followed by | or \ at byte %d`, ErrEscape, base+i)
			}
			i++
			b.WriteByte(rest[i])
		case '|':
			h[n] = b.String()
			b.Reset()
			n++
		default:
			b.WriteByte(c)
		}
	}
	if n < len(h) {
		return CEF{}, fmt.Errorf("%w: %d of 7 header fields (each ends with an unescaped |)", ErrHeader, n+1)
	}
	c := CEF{
		Prefix:             prefix,
		Version:            int(version[0] - '0'),
		DeviceVendor:       h[0],
		DeviceProduct:      h[1],
		DeviceVersion:      h[2],
		DeviceEventClassID: h[3],
		Name:               h[4],
		Severity:           h[5],
	}
	if !cefSeverity(c.Severity) {
		return CEF{}, fmt.Errorf("%w: %q (Unknown, Low, Medium, High, Very-High or 0 to 10)", ErrSeverity, c.Severity)
	}
	c.Extension, err = cefExtension(rest[i:], base+i)
	if err != nil {
		return CEF{}, err
	}
	return c, nil
}

// cefSeverity reports whether s is a valid agentSeverity (Header Field Definitions): the strings Unknown, Low,
// Medium, High, Very-High or the integers 0 to 10.
func cefSeverity(s string) bool {
	switch s {
	case "Unknown", "Low", "Medium", "High", "Very-High",
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10":
		return true
	}
	return false
}

// cefExtension parses the extension ([CEF] The Extension Field, Character Encoding). Pairs are separated by
// spaces and a value may contain spaces, so a value runs until the next " key=" where = is unescaped; every
// unescaped = must end a key. Of several spaces before a key, all but the last belong to the previous value; the
// final value loses its trailing spaces. base is the offset of ext in the line, for error messages.
func cefExtension(ext string, base int) ([]Pair, error) {
	// Character Encoding: in the extension "\\" is a backslash, "\=" an equal sign, "\n" and "\r" new lines; a
	// backslash or = used otherwise must be escaped.
	var eqs []int // offsets of the unescaped =
	for i := 0; i < len(ext); i++ {
		switch ext[i] {
		case '\\':
			if i+1 == len(ext) || !strings.Contains(`\=nr`, ext[i+1:i+2]) {
				return nil, fmt.Errorf(`%w: backslash in the extension not followed by \, =, n or r at byte %d`,
					ErrEscape, base+i)
			}
			i++
		case '=':
			eqs = append(eqs, i)
		}
	}
	if len(ext) == 0 {
		return nil, nil
	}
	// Each unescaped = ends a key, which starts the extension or follows a space. User-Defined Extensions: keys
	// are "a single word, with no spaces" and "alphanumeric", as are the dictionary's.
	starts := make([]int, len(eqs))
	for j, eq := range eqs {
		k := eq
		for k > 0 && isAlnum(ext[k-1]) {
			k--
		}
		if k == eq || k > 0 && ext[k-1] != ' ' {
			return nil, fmt.Errorf("%w: unescaped = at byte %d does not follow a space and an alphanumeric key",
				ErrExtension, base+eq)
		}
		starts[j] = k
	}
	if len(eqs) == 0 || starts[0] != 0 {
		return nil, fmt.Errorf("%w: does not start with key= at byte %d", ErrExtension, base)
	}
	pairs := make([]Pair, len(eqs))
	for j, eq := range eqs {
		var v string
		if j+1 < len(eqs) {
			v = ext[eq+1 : starts[j+1]-1] // the one space before the next key separates
		} else {
			v = strings.TrimRight(ext[eq+1:], " ") // trailing spaces of the final value are not preserved
		}
		pairs[j] = Pair{Key: ext[starts[j]:eq], Value: cefUnescape(v)}
	}
	return pairs, nil
}

// cefUnescape resolves the extension escapes of a value already checked by cefExtension.
func cefUnescape(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default: // \ or =
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Overlong reports the header fields longer than the Header Field Definitions allow: deviceVendor and
// deviceProduct 63, deviceVersion 31, deviceEventClassId 1023, name 512 characters.
func (c CEF) Overlong() []Overlong {
	var out []Overlong
	out = overlong(out, "deviceVendor", c.DeviceVendor, 63)
	out = overlong(out, "deviceProduct", c.DeviceProduct, 63)
	out = overlong(out, "deviceVersion", c.DeviceVersion, 31)
	out = overlong(out, "deviceEventClassId", c.DeviceEventClassID, 1023)
	out = overlong(out, "name", c.Name, 512)
	return out
}
