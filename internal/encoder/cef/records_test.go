package cef

import (
	"strings"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// baseOptions: local0.info from host myhost, tag siemship, CEF severity 3, in syslog header format f and framing fr.
func baseOptions(f header.Format, fr message.Framing) Options {
	return Options{
		Header:   header.Options{Format: f, Facility: 16, Severity: 6, Hostname: "myhost", AppName: "siemship", Framing: fr},
		Severity: 3,
	}
}

// testCase is one record for the golden and oracle tests.
type testCase struct {
	name          string
	opts          func(*Options)
	group         record.Group
	log           record.Log
	wantTruncated bool
	wantSanitized bool
}

// testCases are encodertest's hostile set (its separator cases test pipes here),
// then the ActionTrail records and what is special to CEF: header escapes and limits, dictionary and reserved keys,
// the key transform, spaces and '=' in values.
func testCases() []testCase {
	grp, lg := encodertest.Group, encodertest.Log
	limit := func(n int) func(*Options) { return func(o *Options) { o.Header.MaxMessageBytes = n } }
	// hostile is a case of encodertest's hostile set; sanitized is what this format makes of it (limit(0) is the
	// default: no limit).
	hostile := func(name string, sanitized bool) testCase {
		c := encodertest.Hostile(name)
		return testCase{name: name, group: c.Group, log: c.Log, opts: limit(c.Limit), wantTruncated: c.Limit > 0, wantSanitized: sanitized}
	}
	atg, atl := encodertest.Audit()
	emg, eml := emulatorRecord()
	return []testCase{
		// The hostile set, and kv's cases.
		hostile("plain", false),
		hostile("python_sample", false),
		{
			name:  "custom_header",
			group: grp("audit", "10.0.0.1"), log: lg("k", "v"),
			opts: func(o *Options) {
				o.Header.Facility, o.Header.Severity = 20, 4
				o.Header.Hostname, o.Header.AppName, o.Header.ProcID, o.Header.MsgID = "web-01.example.com", "siemship", "4242", "sls-audit"
				o.Header.StructuredData = `[siemship@32473 project="p1" logstore="audit \"main\""]`
			},
		},
		hostile("zero_time", false),
		hostile("empty", false),
		hostile("empty_keys_values", false),
		hostile("forged_lines", true),
		hostile("separators", true),
		hostile("equals_in_keys", true),
		hostile("invalid_utf8", true),
		hostile("control_bytes", true),
		hostile("unicode", false),
		hostile("value_100k", false),
		hostile("fields_500", false),
		hostile("truncated_utf8", false),
		{
			name:  "truncated_escapes",
			group: grp("t", "s"), log: lg("msg", strings.Repeat("\n\x01=", 2000)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		hostile("truncated_invalid_utf8", true),
		{
			name:  "truncated_key",
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 330), "long_key_that_does_not_fit_"+strings.Repeat("k", 100), "v"),
			opts: limit(480), wantTruncated: true,
		},
		// 480 bytes exactly with the RFC 5424 header (and 22 bytes less with RFC 3164's).
		{name: "fits_exactly", group: grp("t", "s"), log: lg("a", strings.Repeat("x", 349)), opts: limit(480)},

		// ActionTrail.
		{name: "actiontrail", group: atg, log: atl},
		{name: "actiontrail_emulator", group: emg, log: eml},

		// CEF header fields.
		{
			name:          "header_escapes",
			group:         grp("a|b\\c=d\ne\r\tf\x00\x7f\xff", "s"),
			log:           lg("k", "v"),
			wantSanitized: true,
		},
		{
			name: "header_constants",
			opts: func(o *Options) {
				o.Vendor, o.Product, o.Version = `Ven|dor\`, "Pro = duct", "2.0|b"
				o.EventClass, o.Name, o.Severity = "class|1", `Na\me`, 10
			},
			group: grp("t", "s"), log: lg("k", "v"),
		},
		{
			name:          "header_limits",
			group:         grp(strings.Repeat("c", 1100), "s"),
			log:           lg("k", "v"),
			wantTruncated: true,
		},
		{
			name:          "header_limits_unicode",
			group:         grp(strings.Repeat("类", 511)+"|\n别", "s"),
			log:           lg("k", "v"),
			wantTruncated: true, wantSanitized: true,
		},
		{
			name:          "header_cut_to_fit",
			group:         grp(strings.Repeat("事件", 300), "s"),
			log:           lg("msg", "hello"),
			opts:          limit(480),
			wantTruncated: true,
		},

		// Keys.
		{
			name:  "dictionary_keys",
			group: grp("t", "s"),
			log: lg("msg", "m", "src", "10.0.0.1", "suser", "alice", "rt", "1", "cs1", "acct", "cs1Label", "accountId",
				"c6a2", "::1", "eventId", "4A6C1D6E", "art", "1", "rawEvent", "r", "eventName", "ConsoleSignin"),
		},
		{
			name:  "key_transform",
			group: grp("t", "s", "__hostname__", "h", "", "empty tag key", "Tag", "v"),
			log: lg("", "empty", "x", "1", "xx", "2", "x41", "3", "ax2Eb", "4", "proxyAddr", "5", "indexDB", "6",
				"user.name", "7", "request-id", "8", "Key With Space", "9", "ключ", "10", "slsTopic", "11", "slsTagTag", "12"),
		},
		{
			name:          "hostile_keys",
			group:         grp("t", "s", "k\n", "v"),
			log:           lg("a\nb", "1", "c\x00", "2", "\xff", "3", "d\x7f", "4"),
			wantSanitized: true,
		},

		// Values.
		{
			name:  "value_spaces",
			group: grp("t", "s"),
			log: lg("filePath", "/a/my file.txt", "lead", "  two", "trail", "two  ", "only", "   ", "empty", "",
				"final", "lost  "),
		},
		{
			name:          "value_key_like",
			group:         grp("t", "s"),
			log:           lg("msg", "ok act=blocked src=1.2.3.4", "q", "a=b&c=d", "end", "x ="),
			wantSanitized: true,
		},
		{
			name:          "value_escapes",
			group:         grp("t", "s"),
			log:           lg("path", `C:\Windows\System32`, "lit", `\n is not a newline`, "bs_end", `ends\`, "pipe", "a|b"),
			wantSanitized: true,
		},

		// Syslog header variants.
		{
			name:  "no_tag",
			group: grp("t", "s"), log: lg("k", "v"),
			opts: func(o *Options) { o.Header.AppName = "" },
		},
	}
}

// emulatorRecord is a record as the SLS emulator generates it (internal/testgear/slsemu/generator.go record()),
// with all of its optional fields and its three tags: 15 contents.
func emulatorRecord() (record.Group, record.Log) {
	g := record.Group{
		Topic:  "actiontrail_audit_event",
		Source: "10.17.0.13",
		Tags: encodertest.Fields("__hostname__", "audit-collector-03", "__pack_id__", "9F8E7D6C5B4A3921-2A",
			"__receive_time__", "1795425745"),
	}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"seq", "42",
		"eventName", "CreateAccessKey",
		"eventTime", "2026-11-23T09:22:25Z",
		"eventType", "ApiCall",
		"serviceName", "Ram",
		"acsRegion", "cn-hangzhou",
		"sourceIpAddress", "47.100.12.34",
		"userIdentity.type", "ram-user",
		"eventVersion", "1",
		"errorCode", "Forbidden.RAM",
		"userIdentity.userName", "deploy-bot",
		"eventId", "4a6c1d6e-8b1f-4c2e-9e3a-1f2b3c4d5e6f",
		"userIdentity.accountId", "1234567890123456",
		"requestId", "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
		"userAgent", "Terraform/1.8.5 terraform-provider-alicloud/1.226.0",
	)}
	return g, l
}
