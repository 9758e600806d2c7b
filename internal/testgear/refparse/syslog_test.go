package refparse

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitPrefix(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"<0>1 - - - - - - ", true},
		{"<191>1 2026-01-02T03:04:05.123456-07:00 h a p m - ", true},
		{"<14>1 2026-01-02T03:04:05.1234567Z h a p m - ", false}, // 7 fractional digits (RFC 5424 6.2.3)
		{"<14>1 2026-01-02T03:04:05 h a p m - ", false},          // no offset
		{"<14>1 2026-13-02T03:04:05Z h a p m - ", false},         // no month 13
		{"<14>1 - " + long(255) + " a p m - ", true},
		{"<14>1 - " + long(256) + " a p m - ", false},
		{"<14>1 - h " + long(48) + " " + long(128) + " " + long(32) + " - ", true},
		{"<14>1 - h " + long(49) + " p m - ", false},
		{"<14>1 - h a " + long(129) + " m - ", false},
		{"<14>1 - h a p " + long(33) + " - ", false},
		{"<14>1 - h\u00e9 a p m - ", false}, // HOSTNAME is printable US-ASCII
		{"<14>1 - h a p m [" + long(32) + "] ", true},
		{"<14>1 - h a p m [" + long(33) + "] ", false},
		{`<14>1 - h a p m [a b="]"] `, false}, // ] must be escaped in PARAM-VALUE
		{`<14>1 - h a p m [a b="\x"] `, true}, // other backslashes are kept as they are
		{`<14>1 - h a p m [a b=c] `, false},
		{"<14>1 - h a p m -", false}, // no SP before MSG
		{"<14>1 - h a p m - x ", false},
		{"<14>2 - h a p m - ", false}, // RFC 5424 VERSION 1 only; this is not RFC 3164 either
		{"14>1 - h a p m - ", false},
		{"<1234>Jan  1 00:00:00 h ", false},
		{"<x>Jan  1 00:00:00 h ", false},
		{"Dec 31 23:59:59 h ", true},
		{"Feb 29 23:59:59 h ", true},
		{"Feb 30 23:59:59 h ", false},
		{"Jan  1 24:00:00 h ", false},
		{"jan  1 00:00:00 h ", false},
		{"Jan 1 00:00:00 h ", false},
		{"Jan  1 00:00:00  ", false}, // empty HOSTNAME
		{"Jan  1 00:00:00 h " + long(32) + ": ", true},
		{"Jan  1 00:00:00 h " + long(33) + ": ", false},
		{"Jan  1 00:00:00 h app-1.x/y[123]: ", true},
		{"Jan  1 00:00:00 h app[]: ", false},
		{"Jan  1 00:00:00 h app[1 2]: ", false},
		{"Jan  1 00:00:00 h app:", false},
		{"Jan  1 00:00:00 h app : ", false},
	} {
		for _, marker := range []string{"CEF:", "LEEF:"} {
			line := tc.prefix + marker
			prefix, msg, err := splitPrefix(line, marker)
			if tc.ok && (err != nil || prefix != tc.prefix || msg != marker) {
				t.Errorf("splitPrefix(%q) = %q, %q, %v; want %q", line, prefix, msg, err, tc.prefix)
			}
			if !tc.ok && !errors.Is(err, ErrPrefix) {
				t.Errorf("splitPrefix(%q) = %q, %q, %v; want ErrPrefix", line, prefix, msg, err)
			}
		}
	}
}
