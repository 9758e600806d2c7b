package refparse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// leefExamples are the guide's own examples ([LEEF] LEEF event components: syslog headers, LEEF headers, event
// attributes, Table 1; Best practices), then cases for each rule. The fuzz tests use the lines as seeds.
var leefExamples = []struct {
	name string
	line string
	want LEEF
}{
	{
		"guide: 2.0 with caret, RFC 3164 header with PRI",
		"<13>Jan 18 11:07:53 myhost LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^sev=5",
		LEEF{Prefix: "<13>Jan 18 11:07:53 myhost ", Version: "2.0", Vendor: "Lancope", Product: "StealthWatch",
			ProductVersion: "1.0", EventID: "41", DelimiterSpec: "^", Delimiter: '^',
			Attributes: []Pair{{"src", "10.0.1.8"}, {"sev", "5"}}},
	},
	{
		"guide: 1.0 with tabs, RFC 3164 header without PRI",
		"Jan 18 11:07:53 myhostname LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|" +
			"src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black",
		LEEF{Prefix: "Jan 18 11:07:53 myhostname ", Version: "1.0", Vendor: "Microsoft", Product: "MSExchange",
			ProductVersion: "4.0 SP1", EventID: "15345", Delimiter: '\t',
			Attributes: []Pair{{"src", "192.0.2.0"}, {"dst", "172.50.123.1"}, {"sev", "5"}, {"cat", "anomaly"},
				{"srcPort", "81"}, {"dstPort", "21"}, {"usrName", "joe.black"}}},
	},
	{
		"guide: RFC 5424 header as the guide writes it (ends after the hostname)",
		"<13>1 2019-01-18T11:07:53.520Z 192.168.1.1 LEEF:1.0|Microsoft|MSExchange|2007|Logon Failure|",
		LEEF{Prefix: "<13>1 2019-01-18T11:07:53.520Z 192.168.1.1 ", Version: "1.0", Vendor: "Microsoft",
			Product: "MSExchange", ProductVersion: "2007", EventID: "Logon Failure", Delimiter: '\t'},
	},
	{
		"guide: RFC 5424 header with an offset",
		"<133>1 2019-01-18T11:07:53.520+07:00 myhostname LEEF:2.0|Vendor|Product|Version|EventID|x5E|a=1^b=2",
		LEEF{Prefix: "<133>1 2019-01-18T11:07:53.520+07:00 myhostname ", Version: "2.0", Vendor: "Vendor",
			Product: "Product", ProductVersion: "Version", EventID: "EventID", DelimiterSpec: "x5E", Delimiter: '^',
			Attributes: []Pair{{"a", "1"}, {"b", "2"}}},
	},
	{
		"guide Table 1: x7c is the pipe, which then separates attributes",
		"LEEF:2.0|Vendor|Product|Version|EventID|x7c|a=1|b=2",
		LEEF{Version: "2.0", Vendor: "Vendor", Product: "Product", ProductVersion: "Version", EventID: "EventID",
			DelimiterSpec: "x7c", Delimiter: '|', Attributes: []Pair{{"a", "1"}, {"b", "2"}}},
	},
	{
		"0x09 is tab",
		"LEEF:2.0|V|P|1|41|0x09|a=1\tb=2",
		LEEF{Version: "2.0", Vendor: "V", Product: "P", ProductVersion: "1", EventID: "41", DelimiterSpec: "0x09",
			Delimiter: '\t', Attributes: []Pair{{"a", "1"}, {"b", "2"}}},
	},
	{
		"a one-character delimiter outside ASCII; a pipe in a value",
		"LEEF:2.0|V|P|1|41|¦|a=1¦b=x|y",
		LEEF{Version: "2.0", Vendor: "V", Product: "P", ProductVersion: "1", EventID: "41", DelimiterSpec: "¦",
			Delimiter: '¦', Attributes: []Pair{{"a", "1"}, {"b", "x|y"}}},
	},
	{
		"hex delimiter, 4 digits",
		"LEEF:2.0|V|P|1|41|0x00A6|a=1¦b=2",
		LEEF{Version: "2.0", Vendor: "V", Product: "P", ProductVersion: "1", EventID: "41", DelimiterSpec: "0x00A6",
			Delimiter: '¦', Attributes: []Pair{{"a", "1"}, {"b", "2"}}},
	},
	{
		"single character x is the letter, not a hex prefix",
		"LEEF:2.0|V|P|1|41|x|a=1xb=2",
		LEEF{Version: "2.0", Vendor: "V", Product: "P", ProductVersion: "1", EventID: "41", DelimiterSpec: "x",
			Delimiter: 'x', Attributes: []Pair{{"a", "1"}, {"b", "2"}}},
	},
	{
		"guide best practices: a key with spaces is allowed; a value may hold =, a backslash is no escape",
		"LEEF:2.0|V\\|P|1|41|^|file name =pic07720.gif^url=http://h/?a=b&c=d^path=C:\\temp\\n",
		LEEF{Version: "2.0", Vendor: `V\`, Product: "P", ProductVersion: "1", EventID: "41", DelimiterSpec: "^",
			Delimiter: '^', Attributes: []Pair{{"file name ", "pic07720.gif"}, {"url", "http://h/?a=b&c=d"},
				{"path", `C:\temp\n`}}},
	},
	{
		"no attributes, empty values, duplicates kept, spaces in 1.0 are not separators",
		"LEEF:1.0|V|P|1|41|a=\ta=2  b=3\tc=",
		LEEF{Version: "1.0", Vendor: "V", Product: "P", ProductVersion: "1", EventID: "41", Delimiter: '\t',
			Attributes: []Pair{{"a", ""}, {"a", "2  b=3"}, {"c", ""}}},
	},
	{
		"no attributes",
		"LEEF:2.0|||||^|",
		LEEF{Version: "2.0", DelimiterSpec: "^", Delimiter: '^'},
	},
	{
		"full RFC 5424 header",
		"<14>1 2026-01-02T03:04:05.000001Z h siemship - - [a@1 b=\"c\"] LEEF:2.0|V|P|1|41|^|devTime=1767323045000",
		LEEF{Prefix: "<14>1 2026-01-02T03:04:05.000001Z h siemship - - [a@1 b=\"c\"] ", Version: "2.0", Vendor: "V",
			Product: "P", ProductVersion: "1", EventID: "41", DelimiterSpec: "^", Delimiter: '^',
			Attributes: []Pair{{"devTime", "1767323045000"}}},
	},
}

func TestParseLEEF(t *testing.T) {
	for _, tc := range leefExamples {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLEEF(tc.line)
			if err != nil {
				t.Fatalf("ParseLEEF(%q): %v", tc.line, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseLEEF(%q)\n got %#v\nwant %#v", tc.line, got, tc.want)
			}
		})
	}
}

var leefHostile = []struct {
	name string
	line string
	want error
}{
	{"LF in a value", "LEEF:2.0|V|P|1|41|^|msg=a\nLEEF:2.0|forged|P|1|41|^|", ErrLineBreak},
	{"CR", "LEEF:1.0|V|P|1|41|msg=a\r", ErrLineBreak},
	{"invalid UTF-8", "LEEF:1.0|V|P|1|41|msg=\xc3", ErrUTF8},
	{"junk before LEEF:", "x LEEF:1.0|V|P|1|41|", ErrPrefix},
	{"RFC 5424 without a hostname", "<13>1 2019-01-18T11:07:53.520Z LEEF:1.0|V|P|1|41|", ErrPrefix},
	{"version 3.0", "LEEF:3.0|V|P|1|41|", ErrVersion},
	{"version 1", "LEEF:1|V|P|1|41|", ErrVersion},
	{"no pipe at all", "LEEF:1.0", ErrHeader},
	{"1.0 missing the pipe after EventID", "LEEF:1.0|V|P|1|41", ErrHeader},
	{"2.0 missing the delimiter field", "LEEF:2.0|V|P|1|41|", ErrHeader},
	{"2.0 attributes where the delimiter belongs", "LEEF:2.0|V|P|1|41|src=1|dst=2", ErrDelimiter},
	{"empty delimiter", "LEEF:2.0|V|P|1|41||a=1", ErrDelimiter},
	{"two characters", "LEEF:2.0|V|P|1|41|^^|a=1", ErrDelimiter},
	{"0x without digits", "LEEF:2.0|V|P|1|41|0x|a=1", ErrDelimiter},
	{"five hex digits", "LEEF:2.0|V|P|1|41|x0005E|a=1", ErrDelimiter},
	{"not hex", "LEEF:2.0|V|P|1|41|xZZ|a=1", ErrDelimiter},
	{"upper-case X", "LEEF:2.0|V|P|1|41|X5E|a=1", ErrDelimiter},
	{"= as delimiter", "LEEF:2.0|V|P|1|41|=|a=1", ErrDelimiter},
	{"x3D is =", "LEEF:2.0|V|P|1|41|x3D|a=1", ErrDelimiter},
	{"x0A is LF", "LEEF:2.0|V|P|1|41|x0A|a=1", ErrDelimiter},
	{"surrogate", "LEEF:2.0|V|P|1|41|xD800|a=1", ErrDelimiter},
	{"attribute without =", "LEEF:2.0|V|P|1|41|^|a=1^junk", ErrAttribute},
	{"empty attribute", "LEEF:2.0|V|P|1|41|^|a=1^^b=2", ErrAttribute},
	{"trailing delimiter", "LEEF:2.0|V|P|1|41|^|a=1^", ErrAttribute},
	{"empty key", "LEEF:1.0|V|P|1|41|=v", ErrAttribute},
	{"a pipe in the vendor shifts the fields", "LEEF:1.0|V|x|P|1.0|41|src=1", ErrAttribute},
}

func TestParseLEEFHostile(t *testing.T) {
	for _, tc := range leefHostile {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLEEF(tc.line)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseLEEF(%q) = %#v, %v; want an error wrapping %q", tc.line, got, err, tc.want)
			}
		})
	}
}

func TestLEEFOverlong(t *testing.T) {
	l, err := ParseLEEF("LEEF:1.0|V|P|1|" + strings.Repeat("é", 256) + "|")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.Overlong(), []Overlong{{"EventID", 256, 255}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Overlong() = %v, want %v", got, want)
	}
	if got := leefExamples[0].want.Overlong(); got != nil {
		t.Fatalf("Overlong() of the guide's example = %v", got)
	}
}
