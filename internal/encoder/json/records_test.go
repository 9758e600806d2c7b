package jsonenc

import (
	"strings"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// layout is one way the encoder wraps an object: a syslog header (or none) and a framing.
type layout struct {
	name    string
	format  header.Format
	bare    bool
	framing message.Framing
}

var (
	rfc5424Octet = layout{"rfc5424.octet", header.RFC5424, false, message.FramingOctet}
	rfc5424LF    = layout{"rfc5424.lf", header.RFC5424, false, message.FramingLF}
	rfc3164Octet = layout{"rfc3164.octet", header.RFC3164, false, message.FramingOctet}
	rfc3164LF    = layout{"rfc3164.lf", header.RFC3164, false, message.FramingLF}
	bareLF       = layout{"bare.lf", 0, true, message.FramingLF}
	bareOctet    = layout{"bare.octet", 0, true, message.FramingOctet}
	bareNone     = layout{"bare.none", 0, true, message.FramingNone}
	rfc5424None  = layout{"rfc5424.none", header.RFC5424, false, message.FramingNone}

	// goldenLayouts are written for every test case; allLayouts for the audit record.
	goldenLayouts = []layout{rfc5424Octet, rfc3164LF, bareLF}
	allLayouts    = []layout{rfc5424Octet, rfc5424LF, rfc5424None, rfc3164Octet, rfc3164LF, bareLF, bareOctet, bareNone}
)

// baseOptions mirror the Python sample's capture (local0.info, hostname myhost, tag sls) in layout ly.
func baseOptions(ly layout) Options {
	return Options{Header: header.Options{Format: ly.format, Facility: 16, Severity: 6, Hostname: "myhost",
		AppName: "sls", Framing: ly.framing}, Bare: ly.bare}
}

// testCase is one record for the golden and oracle tests.
type testCase struct {
	name          string
	opts          func(*Options)
	group         record.Group
	log           record.Log
	wantTruncated bool
	wantSanitized bool
	only          *layout // the one layout where the case holds (its sizes are the header's); nil: all
}

// testCases are kv's records (encodertest's hostile set included: forged lines, separators, equals signs, invalid
// UTF-8, control bytes, Unicode, huge values, many fields, truncation), then what is hostile or special to JSON: quotes
// and backslashes, U+2028/U+2029, repeated and reserved keys, JSON text in a value, cuts at escapes.
func testCases() []testCase {
	grp, lg := encodertest.Group, encodertest.Log
	limit := func(n int) func(*Options) { return func(o *Options) { o.Header.MaxMessageBytes = n } }
	// hostile is a case of encodertest's hostile set; sanitized is what this format makes of it (limit(0) is the
	// default: no limit).
	hostile := func(name string, sanitized bool) testCase {
		c := encodertest.Hostile(name)
		return testCase{name: name, group: c.Group, log: c.Log, opts: limit(c.Limit), wantTruncated: c.Limit > 0, wantSanitized: sanitized}
	}
	ag, al := encodertest.Audit()
	eg, el := emulatorRecord()
	return []testCase{
		hostile("plain", false),
		hostile("python_sample", false),
		{name: "actiontrail", group: ag, log: al},
		{name: "emulator", group: eg, log: el},
		{
			name:  "custom_header",
			group: grp("audit", "10.0.0.1"), log: lg("k", "v"),
			opts: func(o *Options) {
				h := &o.Header
				h.Facility, h.Severity = 20, 4
				h.Hostname, h.AppName, h.ProcID, h.MsgID = "web01.example.com", "siemship", "4242", "sls-audit"
				h.StructuredData = `[siemship@32473 project="p1" logstore="audit \"main\""]`
			},
		},
		hostile("zero_time", false),
		{name: "no_app_name", group: grp("t", "s"), log: lg("k", "v"), opts: func(o *Options) { o.Header.AppName = "-" }},
		{name: "ns_only", group: grp("t", "s"), log: record.Log{TimeNs: 5, Contents: encodertest.Fields("k", "v")}},
		{name: "ns_overflow", group: grp("t", "s"), log: record.Log{Time: encodertest.Sec, TimeNs: 4_294_967_295, Contents: encodertest.Fields("k", "v")}},
		hostile("empty", false),
		hostile("empty_keys_values", true),
		hostile("forged_lines", true),
		{
			name:  "forged_json",
			group: grp("t", "s"),
			log: lg("msg", `x","__topic__":"forged","y":"`, `k":"forged","k2`, "v", "close", `"}{"__time__":null}`+"\n"+`{"a":"b`,
				"nested", `{"a":[1,2,{"b":"c"}]}`),
			wantSanitized: true,
		},
		hostile("separators", false),
		hostile("equals_in_keys", false),
		hostile("invalid_utf8", true),
		{
			name:          "control_bytes",
			group:         grp("t", "s"),
			log:           lg("nul", "a\x00b", "esc", "\x1b[31mred\x1b[0m", "tab", "a\tb", "del", "x\x7fy", "bs", `C:\new\x41`, "bell\x07", "\x01\x1f", "bf", "\b\f"),
			wantSanitized: true,
		},
		{
			name:  "unicode",
			group: grp("日志", "源", "主机", "杭州"),
			log:   lg("msg", "用户登录成功 🎉", "rtl", "مرحبا", "nel", "a\u0085b", "combining", "e\u0301", "bom", "\uFEFFx", "max", "\U0010FFFF"),
		},
		{name: "line_separators", group: grp("t", "s"), log: lg("ls", "a\u2028b", "ps\u2029", "c\u2029d", "near", "\u2027\u202a")},
		{name: "line_separator_cut", group: grp("t", "s"), log: lg("k", "\xe2\x80", "k2", "\xe2\x80\xa8\xe2\x80"), wantSanitized: true},
		{name: "quotes_backslashes", group: grp(`"t"`, `s\`, `"`, `\`), log: lg(`k"`, `v"`, `\\`, `\"\\"`, `"`, `\u0041`)},
		{
			name:          "repeated_keys",
			group:         grp("t", "s", "host", "h1", "host", "h2"),
			log:           lg("k", "1", "k", "2", "k#2", "3", "k", "4", "__topic__", "c", "__tag__:host", "c2", "__time__", "0", "__truncated__", "x", "__source__#2", "y", "__source__", "z"),
			wantSanitized: true,
		},
		{
			name:          "repeated_invalid_keys",
			group:         grp("t", "s"),
			log:           lg("\xff", "a", "\xfe", "b", "\uFFFD", "c", "x\xff#2", "d", "x\xfe", "e", "x\xfd", "f"),
			wantSanitized: true,
		},
		hostile("value_100k", false),
		{name: "key_10k", group: grp("t", "s"), log: lg(strings.Repeat("k", 10000), "v", "after", "x")},
		hostile("fields_500", false),
		{
			name:  "fields_500_repeated",
			group: grp("t", "s"), log: record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: append(encodertest.ManyFields(500), encodertest.ManyFields(3)...)},
			wantSanitized: true,
		},
		hostile("truncated_utf8", false),
		{
			name:  "truncated_escapes",
			group: grp("t", "s"), log: lg("msg", strings.Repeat("\n\x01\"", 2000)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		hostile("truncated_invalid_utf8", true),
		{
			name:  "truncated_key",
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 300), "long_key_that_does_not_fit_"+strings.Repeat("k", 100), "v"),
			opts: limit(480), wantTruncated: true,
		},
		{
			name:  "truncated_sanitized_dropped", // the control character is in a member that is left out
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 300), strings.Repeat("k", 100), "\n"),
			opts: limit(480), wantTruncated: true,
		},
		{
			name:  "truncated_topic",
			group: grp(strings.Repeat("t", 1000), "s", "host", "h9"), log: lg("k", "v"),
			opts: limit(480), wantTruncated: true,
		},
		{
			name:  "truncated_repeated",
			group: grp("t", "s"), log: lg("k", strings.Repeat("x", 300), "k", strings.Repeat("y", 300)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		{name: "fits_exactly", group: grp("t", "s"), log: lg("a", strings.Repeat("x", 343)), opts: limit(480), only: &rfc5424Octet},
		{
			name:  "one_byte_over",
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 344)),
			opts: limit(480), wantTruncated: true, only: &rfc5424Octet,
		},
	}
}

// emulatorRecord is a record as the SLS emulator generates it (slsemu's generator.record with all 15 fields, and
// its group trailer), with ActionTrail's JSON-valued requestParameters added.
func emulatorRecord() (record.Group, record.Log) {
	g := record.Group{
		Topic:  "actiontrail_audit_event",
		Source: "10.17.1.13",
		Tags: encodertest.Fields("__hostname__", "audit-collector-11", "__pack_id__", "5E2C1A4F9B3D7E61-2A",
			"__receive_time__", "1795425745"),
	}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"seq", "1042",
		"eventName", "CreateAccessKey",
		"eventTime", "2026-11-23T09:22:25Z",
		"eventType", "ApiCall",
		"serviceName", "Ram",
		"acsRegion", "cn-hangzhou",
		"sourceIpAddress", "47.96.12.201",
		"userIdentity.type", "ram-user",
		"eventVersion", "1",
		"errorCode", "Forbidden.RAM",
		"userIdentity.userName", "deploy-bot",
		"eventId", "3f2b9c1e-77aa-4d0e-b5c4-0a9e8d7c6b5a",
		"userIdentity.accountId", "1827364554637281",
		"requestId", "9d8c7b6a-5f4e-4d3c-8b2a-1908f7e6d5c4",
		"userAgent", "Terraform/1.8.5 terraform-provider-alicloud/1.226.0",
		"requestParameters", `{"UserName":"deploy-bot","AccessKeyId":"LTAI****"}`,
	)}
	return g, l
}
