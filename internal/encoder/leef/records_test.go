package leef

import (
	"strings"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// variant is one combination of LEEF version, syslog header and framing.
type variant struct {
	version Version
	format  header.Format
	framing message.Framing
}

func (v variant) String() string {
	return "leef" + v.version.String() + "." + v.format.String() + "." + v.framing.String()
}

// variants are the eight combinations every golden test case is written in.
func variants() []variant {
	var out []variant
	for _, v := range []Version{V2, V1} {
		for _, f := range []header.Format{header.RFC5424, header.RFC3164} {
			for _, fr := range []message.Framing{message.FramingOctet, message.FramingLF} {
				out = append(out, variant{v, f, fr})
			}
		}
	}
	return out
}

// baseOptions: local0.info, hostname myhost, app sls (the RFC 3164 tag "sls:"), the default LEEF settings.
func baseOptions(v variant) Options {
	return Options{
		Header: header.Options{Format: v.format, Facility: 16, Severity: 6, Hostname: "myhost", AppName: "sls",
			Framing: v.framing},
		Version: v.version,
	}
}

// testCase is one record for the golden and oracle tests.
type testCase struct {
	name          string
	opts          func(*Options) // applied after baseOptions; a delimiter it sets applies to LEEF 2.0 only
	group         record.Group
	log           record.Log
	wantTruncated bool
	wantSanitized bool
}

// testCases are encodertest's hostile set (with LEEF's own forged lines and Unicode) and the cases LEEF adds: delimiters, pipes and '=' in
// keys, repeated keys, empty keys, a content named devTime, a time before 2001.
func testCases() []testCase {
	grp, lg := encodertest.Group, encodertest.Log
	limit := func(n int) func(*Options) { return func(o *Options) { o.Header.MaxMessageBytes = n } }
	// hostile is a case of encodertest's hostile set; sanitized is what this format makes of it (limit(0) is the
	// default: no limit).
	hostile := func(name string, sanitized bool) testCase {
		c := encodertest.Hostile(name)
		return testCase{name: name, group: c.Group, log: c.Log, opts: limit(c.Limit), wantTruncated: c.Limit > 0, wantSanitized: sanitized}
	}
	delim := func(d string) func(*Options) { return func(o *Options) { o.Delimiter = d } }
	at := auditRecord
	return []testCase{
		hostile("plain", false),
		hostile("python_sample", false),
		{name: "actiontrail", group: at().g, log: at().l},
		{name: "actiontrail_caret", group: at().g, log: at().l, opts: delim("^")},
		{
			name:  "custom_header",
			group: grp("audit", "10.0.0.1"), log: lg("k", "v"),
			opts: func(o *Options) {
				o.Header.Facility, o.Header.Severity = 20, 4
				o.Header.Hostname, o.Header.AppName, o.Header.ProcID, o.Header.MsgID = "web-01.example.com", "siemship", "4242", "sls-audit"
				o.Header.StructuredData = `[siemship@32473 project="p1" logstore="audit \"main\""]`
				o.Vendor, o.Product, o.ProductVersion, o.EventID = "ACME Corp.", "Audit Log", "4.0 SP1", "Logon Failure"
			},
		},
		{name: "no_tag", group: grp("t", "s"), log: lg("k", "v"), opts: func(o *Options) { o.Header.AppName = "" }},
		hostile("zero_time", false),
		{name: "time_1970", group: grp("t", "s"), log: record.Log{Time: 86400, TimeNs: 5_000_000, Contents: encodertest.Fields("k", "v")}},
		hostile("empty", false),
		hostile("empty_keys_values", true),
		{
			name:  "forged_lines",
			group: grp("t", "s"),
			log: lg("msg", "ok\n<13>1 2026-11-23T09:22:25Z evil forged - - - LEEF:2.0|evil|P|1|41|^|src=6.6.6.6",
				"crlf", "a\r\n<14>Nov 23 09:22:25 evil LEEF:1.0|evil|P|1|41|x=1", "lf_key\nx", "v"),
			wantSanitized: true,
		},
		hostile("separators", true),
		{
			name:          "delimiters_in_values",
			group:         grp("t^1", "s\t2", "k^", "v\t^"),
			log:           lg("caret", "a^b^^c", "tab", "a\tb", "pipe", "a|b", "both", "^\t|="),
			opts:          delim("^"),
			wantSanitized: true,
		},
		{
			name:          "pipe_delimiter",
			group:         grp("t|1", "s", "k|", "v|"),
			log:           lg("url", "http://h/a|b", "caret", "^"),
			opts:          delim("x7C"),
			wantSanitized: true,
		},
		{
			name:          "non_ascii_delimiter",
			group:         grp("t¦", "s"),
			log:           lg("k¦ey", "a¦b", "cut", "\xc2", "k", "¦"),
			opts:          delim("xA6"),
			wantSanitized: true, // the invalid byte
		},
		hostile("equals_in_keys", true),
		{
			name:          "repeated_keys",
			group:         grp("t", "s", "host", "h1", "host", "h2"),
			log:           lg("k", "1", "k", "2", "k_4", "3", "k", "4", "__topic__", "forged", "devTime", "0", "__tag__:host", "forged", "", "a", "", "b"),
			wantSanitized: true,
		},
		hostile("invalid_utf8", true),
		hostile("control_bytes", true),
		{
			name:  "unicode",
			group: grp("日志", "源", "主机", "杭州"),
			log:   lg("msg", "用户登录成功 🎉", "rtl", "مرحبا", "nel", "a\u0085b", "ls", "a\u2028b", "combining", "e\u0301", "pictures", "␊＾｜"),
		},
		hostile("value_100k", false),
		hostile("fields_500", false),
		hostile("truncated_utf8", false),
		{
			name:  "truncated_substitutes",
			group: grp("t", "s"), log: lg("msg", strings.Repeat("\n\x01", 2000)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		hostile("truncated_invalid_utf8", true),
		{
			name:  "truncated_key",
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 250), "long_key_that_does_not_fit_"+strings.Repeat("k", 100), "v"),
			opts: limit(480), wantTruncated: true,
		},
		{
			name:  "truncated_repeated_key",
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 300), "a", strings.Repeat("v", 300)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
	}
}

type groupLog struct {
	g record.Group
	l record.Log
}

// auditRecord is an ActionTrail event as the emulator generates it (internal/testgear/slsemu generator.go: seq,
// the event fields, userIdentity.*, in a group of topic actiontrail_audit_event with the collector's tags).
func auditRecord() groupLog {
	return groupLog{
		g: record.Group{
			Topic:  "actiontrail_audit_event",
			Source: "10.17.0.10",
			Tags: encodertest.Fields("__hostname__", "audit-collector-02", "__pack_id__", "8E2F5C3B1A0D4E6F-1A",
				"__receive_time__", "1795425745"),
		},
		l: record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
			"seq", "42",
			"eventName", "CreateAccessKey",
			"eventTime", "2026-11-23T09:22:25Z",
			"eventType", "ApiCall",
			"serviceName", "Ram",
			"acsRegion", "cn-hangzhou",
			"sourceIpAddress", "203.0.113.45",
			"userIdentity.type", "ram-user",
			"eventVersion", "1",
			"result", "success",
			"userIdentity.userName", "deploy-bot",
			"eventId", "4a6c1d6e-8b1f-4c2e-9e3a-1f2b3c4d5e6f",
			"userIdentity.accountId", "1234567890123456",
			"requestId", "0f9e8d7c-6b5a-4938-2716-05f4e3d2c1b0",
			"userAgent", "Terraform/1.8.5 terraform-provider-alicloud/1.226.0",
		)},
	}
}
