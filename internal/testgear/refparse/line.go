package refparse

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// checkLine enforces what both standards ask of the whole line: one line ([CEF] Character Encoding: multiple lines
// only as \n or \r escapes; [LEEF] an event is a single line) in UTF-8 ([CEF] "The entire message must be UTF-8
// encoded"; [LEEF] overview: "LEEF events must use UTF-8 character encoding").
func checkLine(line string) error {
	if i := strings.IndexAny(line, "\r\n"); i >= 0 {
		return fmt.Errorf("%w: %q at byte %d", ErrLineBreak, line[i], i)
	}
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("%w at byte %d", ErrUTF8, i)
		}
		i += size
	}
	return nil
}

// overlong appends f to out when value has more than max characters.
func overlong(out []Overlong, field, value string, max int) []Overlong {
	if n := utf8.RuneCountInString(value); n > max {
		out = append(out, Overlong{Field: field, Len: n, Max: max})
	}
	return out
}
