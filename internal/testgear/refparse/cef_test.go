package refparse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// cefExamples are the standard's own examples ([CEF] Header Information, The Extension Field, Character
// Encoding), then cases for each rule, each with the expected result. The fuzz tests use the lines as seeds.
var cefExamples = []struct {
	name string
	line string
	want CEF
}{
	{
		"standard CEF 0.x example",
		`Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232`,
		CEF{Prefix: "Sep 19 08:26:10 host ", Version: 0, DeviceVendor: "Security", DeviceProduct: "threatmanager",
			DeviceVersion: "1.0", DeviceEventClassID: "100", Name: "worm successfully stopped", Severity: "10",
			Extension: []Pair{{"src", "10.0.0.1"}, {"dst", "2.1.2.2"}, {"spt", "1232"}}},
	},
	{
		"standard CEF 1.x example",
		`Sep 29 08:26:10 host CEF:1|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232`,
		CEF{Prefix: "Sep 29 08:26:10 host ", Version: 1, DeviceVendor: "Security", DeviceProduct: "threatmanager",
			DeviceVersion: "1.0", DeviceEventClassID: "100", Name: "worm successfully stopped", Severity: "10",
			Extension: []Pair{{"src", "10.0.0.1"}, {"dst", "2.1.2.2"}, {"spt", "1232"}}},
	},
	{
		"without syslog",
		`CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2`,
		CEF{DeviceVendor: "Security", DeviceProduct: "threatmanager", DeviceVersion: "1.0",
			DeviceEventClassID: "100", Name: "worm successfully stopped", Severity: "10",
			Extension: []Pair{{"src", "10.0.0.1"}, {"dst", "2.1.2.2"}}},
	},
	{
		"a value with spaces",
		`CEF:0|V|P|1.0|100|n|5|filePath=/user/username/dir/my file name.txt act=x`,
		CEF{DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1.0", DeviceEventClassID: "100", Name: "n",
			Severity: "5", Extension: []Pair{{"filePath", "/user/username/dir/my file name.txt"}, {"act", "x"}}},
	},
	{
		"standard: escaped pipe in the header, bare pipe in the extension",
		`Sep 19 08:26:10 host CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1`,
		CEF{Prefix: "Sep 19 08:26:10 host ", DeviceVendor: "security", DeviceProduct: "threatmanager",
			DeviceVersion: "1.0", DeviceEventClassID: "100", Name: "detected a | in message", Severity: "10",
			Extension: []Pair{{"src", "10.0.0.1"}, {"act", "blocked a |"}, {"dst", "1.1.1.1"}}},
	},
	{
		"standard: escaped backslash in the header and the extension",
		`Sep 19 08:26:10 host CEF:0|security|threatmanager|1.0|100|detected a \\ in packet|10|src=10.0.0.1 act=blocked a \\ dst=1.1.1.1`,
		CEF{Prefix: "Sep 19 08:26:10 host ", DeviceVendor: "security", DeviceProduct: "threatmanager",
			DeviceVersion: "1.0", DeviceEventClassID: "100", Name: `detected a \ in packet`, Severity: "10",
			Extension: []Pair{{"src", "10.0.0.1"}, {"act", `blocked a \`}, {"dst", "1.1.1.1"}}},
	},
	{
		"standard: bare = in the header, escaped = in the extension",
		`Sep 19 08:26:10 host CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 act=blocked a \= dst=1.1.1.1`,
		CEF{Prefix: "Sep 19 08:26:10 host ", DeviceVendor: "security", DeviceProduct: "threatmanager",
			DeviceVersion: "1.0", DeviceEventClassID: "100", Name: "detected a = in message", Severity: "10",
			Extension: []Pair{{"src", "10.0.0.1"}, {"act", "blocked a ="}, {"dst", "1.1.1.1"}}},
	},
	{
		"standard: multi-line value",
		`Sep 19 08:26:10 host CEF:0|security|threatmanager|1.0|100|Detected a threat. No action needed.|10|src=10.0.0.1 msg=Detected a threat.\n No action needed`,
		CEF{Prefix: "Sep 19 08:26:10 host ", DeviceVendor: "security", DeviceProduct: "threatmanager",
			DeviceVersion: "1.0", DeviceEventClassID: "100", Name: "Detected a threat. No action needed.",
			Severity: "10", Extension: []Pair{{"src", "10.0.0.1"}, {"msg", "Detected a threat.\n No action needed"}}},
	},
	{
		"every extension escape",
		`CEF:0|V|P|1|c|n|5|detail=a\=b c\\d filePath=/a/my file.txt crlf=x\r\ny\\n`,
		CEF{DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1", DeviceEventClassID: "c", Name: "n",
			Severity: "5", Extension: []Pair{{"detail", `a=b c\d`}, {"filePath", "/a/my file.txt"},
				{"crlf", "x\r\ny\\n"}}},
	},
	{
		"extra spaces before a key are trailing spaces of the value; the final value loses them",
		`CEF:0|V|P|1|c|n|5|a=1   b= 2  c=3   `,
		CEF{DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1", DeviceEventClassID: "c", Name: "n",
			Severity: "5", Extension: []Pair{{"a", "1  "}, {"b", " 2 "}, {"c", "3"}}},
	},
	{
		"empty values, duplicate keys kept in order",
		`CEF:0|V|P|1|c|n|5|a= a=2 b= a=`,
		CEF{DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1", DeviceEventClassID: "c", Name: "n",
			Severity: "5", Extension: []Pair{{"a", ""}, {"a", "2"}, {"b", ""}, {"a", ""}}},
	},
	{
		"no extension, empty header fields, string severity",
		`CEF:1||||||Very-High|`,
		CEF{Version: 1, Severity: "Very-High"},
	},
	{
		"a pipe in an extension value, spaces and = in the header",
		`CEF:0|A = B|P|1|c|n a m e|Unknown|cs1=a|b|c cs1Label=x y`,
		CEF{DeviceVendor: "A = B", DeviceProduct: "P", DeviceVersion: "1", DeviceEventClassID: "c",
			Name: "n a m e", Severity: "Unknown", Extension: []Pair{{"cs1", "a|b|c"}, {"cs1Label", "x y"}}},
	},
	{
		"UTF-8",
		`CEF:0|Ünïcødé|製品|1|c|名前 ☃|3|msg=héllo wörld suser=用户`,
		CEF{DeviceVendor: "Ünïcødé", DeviceProduct: "製品", DeviceVersion: "1", DeviceEventClassID: "c",
			Name: "名前 ☃", Severity: "3", Extension: []Pair{{"msg", "héllo wörld"}, {"suser", "用户"}}},
	},
	{
		"RFC 5424 header",
		`<134>1 2026-01-02T03:04:05.123456Z host.example siemship - - - CEF:0|V|P|1|c|n|5|src=1.2.3.4`,
		CEF{Prefix: "<134>1 2026-01-02T03:04:05.123456Z host.example siemship - - - ", DeviceVendor: "V",
			DeviceProduct: "P", DeviceVersion: "1", DeviceEventClassID: "c", Name: "n", Severity: "5",
			Extension: []Pair{{"src", "1.2.3.4"}}},
	},
	{
		"RFC 5424 header with structured data and a BOM",
		"<14>1 2026-01-02T03:04:05+08:00 h app 123 ID47 [x@32473 a=\"q\\\"\\]\\\\\" b=\"\"][y@1] \uFEFFCEF:0|V|P|1|c|n|5|",
		CEF{Prefix: "<14>1 2026-01-02T03:04:05+08:00 h app 123 ID47 [x@32473 a=\"q\\\"\\]\\\\\" b=\"\"][y@1] \uFEFF",
			DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1", DeviceEventClassID: "c", Name: "n",
			Severity: "5"},
	},
	{
		"RFC 3164 header with PRI and TAG",
		`<134>Jan  5 01:02:03 host siemship[42]: CEF:0|V|P|1|c|n|5|a=b`,
		CEF{Prefix: "<134>Jan  5 01:02:03 host siemship[42]: ", DeviceVendor: "V", DeviceProduct: "P",
			DeviceVersion: "1", DeviceEventClassID: "c", Name: "n", Severity: "5", Extension: []Pair{{"a", "b"}}},
	},
}

func TestParseCEF(t *testing.T) {
	for _, tc := range cefExamples {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCEF(tc.line)
			if err != nil {
				t.Fatalf("ParseCEF(%q): %v", tc.line, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseCEF(%q)\n got %#v\nwant %#v", tc.line, got, tc.want)
			}
		})
	}
}

// cefHostile are lines the standard does not allow, with the error each must wrap.
var cefHostile = []struct {
	name string
	line string
	want error
}{
	{"LF in a value", "CEF:0|V|P|1|c|n|5|msg=a\nCEF:0|forged|P|1|c|n|10|", ErrLineBreak},
	{"CR in the header", "CEF:0|V|P|1|c|n\r|5|", ErrLineBreak},
	{"trailing LF (framing left on)", "CEF:0|V|P|1|c|n|5|a=b\n", ErrLineBreak},
	{"invalid UTF-8", "CEF:0|V|P|1|c|n|5|msg=\xff", ErrUTF8},
	{"no CEF:", "hello", ErrPrefix},
	{"junk before CEF:", "junk CEF:0|V|P|1|c|n|5|", ErrPrefix},
	{"RFC 3164 tag without colon", "Sep 19 08:26:10 host junk CEF:0|V|P|1|c|n|5|", ErrPrefix},
	{"PRI over 191", "<192>1 - h a - - - CEF:0|V|P|1|c|n|5|", ErrPrefix},
	{"RFC 5424 lower-case t", "<14>1 2026-01-02t03:04:05Z h a - - - CEF:0|V|P|1|c|n|5|", ErrPrefix},
	{"RFC 5424 SD not closed", `<14>1 - h a - - [x a="b" CEF:0|V|P|1|c|n|5|`, ErrPrefix},
	{"RFC 3164 zero-padded day", "Jan 05 01:02:03 host CEF:0|V|P|1|c|n|5|", ErrPrefix},
	{"version 2", "CEF:2|V|P|1|c|n|5|", ErrVersion},
	{"empty version", "CEF:|V|P|1|c|n|5|", ErrVersion},
	{"version 00", "CEF:00|V|P|1|c|n|5|", ErrVersion},
	{"only CEF:0", "CEF:0", ErrHeader},
	{"three fields", "CEF:0|a|b", ErrHeader},
	{"no | after severity", "CEF:0|V|P|1|c|n|5", ErrHeader},
	{"escaped last pipe", `CEF:0|V|P|1|c|n|5\|`, ErrHeader},
	{"unknown header escape", `CEF:0|V\x|P|1|c|n|5|`, ErrEscape},
	{"backslash at the end of the header", `CEF:0|V|P|1|c|n|5\`, ErrEscape},
	{"header \\= (vulnerability note not modelled)", `CEF:0|V|P|1|a\=b|n|5|`, ErrEscape},
	{"unescaped pipe in the name shifts the severity", "CEF:0|V|P|1|100|na|me|5|src=1", ErrSeverity},
	{"severity 11", "CEF:0|V|P|1|c|n|11|", ErrSeverity},
	{"severity lower case", "CEF:0|V|P|1|c|n|high|", ErrSeverity},
	{"severity with space", "CEF:0|V|P|1|c|n| 5|", ErrSeverity},
	{"unescaped pipe shifts the extension", "CEF:0|V|P|1|c|name|5|x|src=1", ErrExtension},
	{"\\| in the extension", `CEF:0|V|P|1|c|n|5|msg=a\|b`, ErrEscape},
	{"backslash at the end of the extension", `CEF:0|V|P|1|c|n|5|msg=a\`, ErrEscape},
	{"Windows path not escaped", `CEF:0|V|P|1|c|n|5|filePath=C:\temp`, ErrEscape},
	{"unescaped = in a value", "CEF:0|V|P|1|c|n|5|msg=a=b", ErrExtension},
	{"key that is not alphanumeric", "CEF:0|V|P|1|c|n|5|msg=x y.z=1", ErrExtension},
	{"key with underscore", "CEF:0|V|P|1|c|n|5|_k=1", ErrExtension},
	{"empty key", "CEF:0|V|P|1|c|n|5|a=1 =2", ErrExtension},
	{"leading space", "CEF:0|V|P|1|c|n|5| src=1", ErrExtension},
	{"text before the first key", "CEF:0|V|P|1|c|n|5|junk src=1", ErrExtension},
	{"no pair at all", "CEF:0|V|P|1|c|n|5|junk", ErrExtension},
	{"an escaped = does not end a key", `CEF:0|V|P|1|c|n|5|a\=b`, ErrExtension},
}

func TestParseCEFHostile(t *testing.T) {
	for _, tc := range cefHostile {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCEF(tc.line)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseCEF(%q) = %#v, %v; want an error wrapping %q", tc.line, got, err, tc.want)
			}
		})
	}
}

func TestCEFOverlong(t *testing.T) {
	c, err := ParseCEF("CEF:0|" + strings.Repeat("v", 64) + "|" + strings.Repeat("p", 63) + "|" +
		strings.Repeat("1", 32) + "|" + strings.Repeat("c", 1023) + "|" + strings.Repeat("名", 513) + `\|` +
		"|5|")
	if err != nil {
		t.Fatal(err)
	}
	want := []Overlong{{"deviceVendor", 64, 63}, {"deviceVersion", 32, 31}, {"name", 514, 512}}
	if got := c.Overlong(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Overlong() = %v, want %v", got, want)
	}
	if got := cefExamples[0].want.Overlong(); got != nil {
		t.Fatalf("Overlong() of the standard's example = %v", got)
	}
}
