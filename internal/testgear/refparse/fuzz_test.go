package refparse

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Run longer with, for example:
//
//	go test -run '^$' -fuzz FuzzParseCEF -fuzztime 60s -parallel 1 ./internal/testgear/refparse/

// cefLine writes c the way the standard says ([CEF] Character Encoding): header fields with \ and | escaped,
// extension values with \, =, LF and CR escaped, pairs separated by one space. It is a test helper of this package,
// not an encoder of siemship's.
func cefLine(c CEF) string {
	header := strings.NewReplacer(`\`, `\\`, `|`, `\|`)
	value := strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\n", `\n`, "\r", `\r`)
	var b strings.Builder
	b.WriteString(c.Prefix + "CEF:" + strconv.Itoa(c.Version))
	for _, f := range []string{c.DeviceVendor, c.DeviceProduct, c.DeviceVersion, c.DeviceEventClassID, c.Name,
		c.Severity} {
		b.WriteString("|" + header.Replace(f))
	}
	b.WriteString("|")
	for i, p := range c.Extension {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(p.Key + "=" + value.Replace(p.Value))
	}
	return b.String()
}

// leefLine puts a parsed LEEF message back together. LEEF has no escapes, so this must give the line back.
func leefLine(l LEEF) string {
	var b strings.Builder
	b.WriteString(l.Prefix + "LEEF:" + l.Version + "|" + l.Vendor + "|" + l.Product + "|" + l.ProductVersion +
		"|" + l.EventID + "|")
	if l.Version == "2.0" {
		b.WriteString(l.DelimiterSpec + "|")
	}
	for i, a := range l.Attributes {
		if i > 0 {
			b.WriteRune(l.Delimiter)
		}
		b.WriteString(a.Key + "=" + a.Value)
	}
	return b.String()
}

// checkErr fails unless err wraps one of the package's errors.
func checkErr(t *testing.T, line string, err error) {
	t.Helper()
	for _, e := range []error{ErrLineBreak, ErrUTF8, ErrPrefix, ErrVersion, ErrHeader, ErrEscape, ErrSeverity,
		ErrExtension, ErrDelimiter, ErrAttribute} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("%q: error %v wraps none of the package's errors", line, err)
}

// FuzzParseCEF: ParseCEF never panics, every error is one of the package's, and what it accepts it reads back the
// same after writing it per the standard.
func FuzzParseCEF(f *testing.F) {
	for _, tc := range cefExamples {
		f.Add(tc.line)
	}
	for _, tc := range cefHostile {
		f.Add(tc.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCEF(line)
		if err != nil {
			checkErr(t, line, err)
			return
		}
		if !strings.HasPrefix(line, c.Prefix+"CEF:") || c.Version != 0 && c.Version != 1 {
			t.Fatalf("%q: prefix %q, version %d", line, c.Prefix, c.Version)
		}
		again := cefLine(c)
		c2, err := ParseCEF(again)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("%q parsed to %#v,\nwritten again %q parsed to %#v, %v", line, c, again, c2, err)
		}
	})
}

// FuzzCEFRoundTrip: random header fields and pairs written per the standard parse back to themselves, except
// that the final value loses its trailing spaces ([CEF] The Extension Field).
func FuzzCEFRoundTrip(f *testing.F) {
	f.Add("Security", "threatmanager", "1.0", "100", "worm successfully stopped", uint8(10),
		"src", "10.0.0.1", "filePath", "/a/my file.txt")
	f.Add(`a|b\c`, "", "=", " ", "x\\|y", uint8(3), "msg", "a=b c\\d\r\n", "k2", "trailing   ")
	f.Add("v", "p", "1", "c", "n", uint8(0), "a", " lead", "b", "x=y z=w")
	f.Fuzz(func(t *testing.T, vendor, product, version, class, name string, sev uint8, k1, v1, k2, v2 string) {
		for _, s := range []string{vendor, product, version, class, name, k1, v1, k2, v2} {
			if !utf8.ValidString(s) {
				t.Skip("the standard requires UTF-8")
			}
		}
		for _, s := range []string{vendor, product, version, class, name} {
			if strings.ContainsAny(s, "\r\n") {
				t.Skip("the standard allows no line break in the header")
			}
		}
		c := CEF{Version: int(sev % 2), DeviceVendor: vendor, DeviceProduct: product, DeviceVersion: version,
			DeviceEventClassID: class, Name: name, Severity: strconv.Itoa(int(sev % 11)),
			Extension: []Pair{{alnumKey(k1), v1}, {alnumKey(k2), v2}}}
		line := cefLine(c)
		got, err := ParseCEF(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		c.Extension[1].Value = strings.TrimRight(v2, " ")
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("%q\n got %#v\nwant %#v", line, got, c)
		}
	})
}

// alnumKey keeps the ASCII letters and digits of k, the characters a CEF key may have.
func alnumKey(k string) string {
	k = strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && isAlnum(byte(r)) {
			return r
		}
		return -1
	}, k)
	if k == "" {
		return "k"
	}
	return k
}

// FuzzParseLEEF: ParseLEEF never panics, every error is one of the package's, and what it accepts is exactly the
// sum of its parts (LEEF has no escapes, so nothing may be lost or moved between fields).
func FuzzParseLEEF(f *testing.F) {
	for _, tc := range leefExamples {
		f.Add(tc.line)
	}
	for _, tc := range leefHostile {
		f.Add(tc.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		l, err := ParseLEEF(line)
		if err != nil {
			checkErr(t, line, err)
			return
		}
		if got := leefLine(l); got != line {
			t.Fatalf("%q parsed to %#v, which puts back together as %q", line, l, got)
		}
		if l.Version == "1.0" && (l.Delimiter != '\t' || l.DelimiterSpec != "") {
			t.Fatalf("%q: LEEF 1.0 with delimiter %q (%q)", line, l.Delimiter, l.DelimiterSpec)
		}
		for _, a := range l.Attributes {
			if a.Key == "" || strings.ContainsAny(a.Key, "=|") || strings.ContainsRune(a.Key+a.Value, l.Delimiter) {
				t.Fatalf("%q: attribute %q=%q", line, a.Key, a.Value)
			}
		}
	})
}
