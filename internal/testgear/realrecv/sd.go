package realrecv

import (
	"errors"
	"fmt"
	"strings"
)

// SDElement is one structured-data element with its parameters in wire order and values unescaped.
type SDElement struct {
	ID     string
	Params []SDParam
}

// SDParam is one structured-data parameter.
type SDParam struct {
	Name  string
	Value string
}

var errSDSyntax = errors.New("structured data syntax")

// ParseSD parses RFC 5424 STRUCTURED-DATA as rsyslog reports it (verbatim, escapes included), e.g.
// `[id@1 a="x \] y"][b k="v"]`. "-" and "" give no elements. Values are unescaped (`\"`, `\\`, `\]`; a backslash
// before any other character is kept, as RFC 5424 §6.3.3 requires).
func ParseSD(sd string) ([]SDElement, error) {
	if sd == "" || sd == "-" {
		return nil, nil
	}
	var out []SDElement
	i := 0
	for i < len(sd) {
		if sd[i] != '[' {
			return nil, fmt.Errorf("%w: want '[' at %d in %q", errSDSyntax, i, sd)
		}
		i++
		id, n := sdName(sd[i:])
		if n == 0 {
			return nil, fmt.Errorf("%w: empty SD-ID at %d in %q", errSDSyntax, i, sd)
		}
		i += n
		e := SDElement{ID: id}
		for {
			if i >= len(sd) {
				return nil, fmt.Errorf("%w: unterminated element in %q", errSDSyntax, sd)
			}
			if sd[i] == ']' {
				i++
				break
			}
			if sd[i] != ' ' {
				return nil, fmt.Errorf("%w: want ' ' or ']' at %d in %q", errSDSyntax, i, sd)
			}
			i++
			name, n := sdName(sd[i:])
			if n == 0 {
				return nil, fmt.Errorf("%w: empty PARAM-NAME at %d in %q", errSDSyntax, i, sd)
			}
			i += n
			if !strings.HasPrefix(sd[i:], `="`) {
				return nil, fmt.Errorf("%w: want '=\"' at %d in %q", errSDSyntax, i, sd)
			}
			i += 2
			var v strings.Builder
			closed := false
			for i < len(sd) {
				c := sd[i]
				if c == '\\' && i+1 < len(sd) && (sd[i+1] == '"' || sd[i+1] == '\\' || sd[i+1] == ']') {
					v.WriteByte(sd[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				v.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated value in %q", errSDSyntax, sd)
			}
			e.Params = append(e.Params, SDParam{Name: name, Value: v.String()})
		}
		out = append(out, e)
	}
	return out, nil
}

// sdName returns the SD-NAME at the start of s (printable US-ASCII except '=', ' ', ']', '"') and its length.
func sdName(s string) (string, int) {
	n := 0
	for n < len(s) {
		c := s[n]
		if c <= ' ' || c >= 0x7f || c == '=' || c == ']' || c == '"' {
			break
		}
		n++
	}
	return s[:n], n
}
