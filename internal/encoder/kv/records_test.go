package kv

import (
	"strconv"
	"strings"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// baseOptions mirror the Python sample's capture: local0.info, hostname myhost, tag sls.
func baseOptions(f message.Framing) Options {
	return Options{Facility: 16, Severity: 6, Hostname: "myhost", AppName: "sls", Framing: f}
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

const (
	testSec = 1795425745 // 2026-11-23T09:22:25Z
	testNs  = 147976960
)

func fields(kv ...string) []record.Field {
	out := make([]record.Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, record.Field{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func manyFields(n int) []record.Field {
	out := make([]record.Field, n)
	for i := range out {
		out[i] = record.Field{Key: "field_" + strconv.Itoa(i), Value: "value " + strconv.Itoa(i*i)}
	}
	return out
}

func testCases() []testCase {
	grp := func(topic, source string, tags ...string) record.Group {
		return record.Group{Topic: topic, Source: source, Tags: fields(tags...)}
	}
	lg := func(kv ...string) record.Log {
		return record.Log{Time: testSec, TimeNs: testNs, Contents: fields(kv...)}
	}
	limit := func(n int) func(*Options) { return func(o *Options) { o.MaxMessageBytes = n } }
	return []testCase{
		{name: "plain", group: grp("t", "s", "host", "h9"), log: lg("k", "v")},
		{name: "python_sample", group: grp("mytopic", "src1", "host", "h9"), log: lg("k", "pv0", "msg", "hello world")},
		{
			name:  "custom_header",
			group: grp("audit", "10.0.0.1"), log: lg("k", "v"),
			opts: func(o *Options) {
				o.Facility, o.Severity = 20, 4
				o.Hostname, o.AppName, o.ProcID, o.MsgID = "web-01.example.com", "siemship", "4242", "sls-audit"
				o.StructuredData = `[siemship@32473 project="p1" logstore="audit \"main\""]`
			},
		},
		{name: "zero_time", group: grp("t", "s"), log: record.Log{Contents: fields("k", "v")}},
		{name: "empty", group: grp("", ""), log: record.Log{Time: testSec}},
		{name: "empty_keys_values", group: grp("", "", "", ""), log: lg("", "v", "k", "", "", "")},
		{
			name:  "forged_lines",
			group: grp("t", "s"),
			log: lg("msg", "ok\n<13>1 2026-11-23T09:22:25Z evil forged - - - injected",
				"crlf", "a\r\n<14>1 - - - - - - second", "lf_key\nx", "v"),
			wantSanitized: true,
		},
		{
			name:          "separators",
			group:         grp("a||b", "||", "||", "x"),
			log:           lg("a||b", "x||y", "trail", "ends|", "lead", "|starts", "runs", "|||||", "k|", "|v", "pipe|key", "="),
			wantSanitized: true,
		},
		{
			name:          "equals_in_keys",
			group:         grp("t", "s", "t=k", "t=v"),
			log:           lg("a=b", "x=y=z", "=", "=", "==", "", "a\\=b", "c\\"),
			wantSanitized: true,
		},
		{
			name:          "invalid_utf8",
			group:         grp("t\xff", "s"),
			log:           lg("k\xc3", "caf\xc3", "v", "\xff\xfe\xfd", "surrogate", "a\xed\xa0\x80b", "cut", "\xe4\xb8", "real_fffd", "\uFFFD\xff", "literal", `\xff`+"\xff"),
			wantSanitized: true,
		},
		{
			name:          "control_bytes",
			group:         grp("t", "s"),
			log:           lg("nul", "a\x00b", "esc", "\x1b[31mred\x1b[0m", "tab", "a\tb", "del", "x\x7fy", "bs", `C:\new\x41`, "bell\x07", "\x01\x1f"),
			wantSanitized: true,
		},
		{
			name:  "unicode",
			group: grp("日志", "源", "主机", "杭州"),
			log:   lg("msg", "用户登录成功 🎉", "rtl", "مرحبا", "nel", "a\u0085b", "ls", "a\u2028b", "combining", "e\u0301"),
		},
		{name: "value_100k", group: grp("t", "s"), log: lg("big", strings.Repeat("0123456789abcdef", 6400))},
		{name: "fields_500", group: grp("t", "s", "host", "h9"), log: record.Log{Time: testSec, TimeNs: testNs, Contents: manyFields(500)}},
		{
			name:  "truncated_utf8",
			group: grp("t", "s"), log: lg("msg", strings.Repeat("用户登录", 2000)),
			opts: limit(480), wantTruncated: true,
		},
		{
			name:  "truncated_escapes",
			group: grp("t", "s"), log: lg("msg", strings.Repeat("\n\x01", 2000)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		{
			name:  "truncated_invalid_utf8",
			group: grp("t", "s"), log: lg("msg", strings.Repeat("\xffé\xc3", 500)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		{
			name:  "truncated_key",
			group: grp("t", "s"), log: lg("a", strings.Repeat("x", 380), "long_key_that_does_not_fit_"+strings.Repeat("k", 100), "v"),
			opts: limit(480), wantTruncated: true,
		},
		{name: "fits_exactly", group: grp("t", "s"), log: lg("a", strings.Repeat("x", 397)), opts: limit(480)},
		{
			name:  "separator_underscore",
			group: grp("t_1", "s", "k_", "_v"), log: lg("a__b", "c_", "_", "_"),
			opts: func(o *Options) { o.Separator = "_" }, wantSanitized: true,
		},
		{
			name:  "separator_overlapping",
			group: grp("t", "s"), log: lg("k", "#|", "k#", "|#|#|", "x", "#|#"),
			opts: func(o *Options) { o.Separator = "#|#" }, wantSanitized: true,
		},
	}
}

// auditRecord is a realistic ActionTrail-style audit record of 10 pairs (topic, source, one tag, 7 contents);
// its message is 336 bytes with the benchmark header.
func auditRecord() (record.Group, record.Log) {
	g := record.Group{
		Topic:  "actiontrail_audit_event",
		Source: "10.0.3.17",
		Tags:   fields("__hostname__", "ecs-web-01"),
	}
	l := record.Log{Time: testSec, TimeNs: testNs, Contents: fields(
		"eventName", "ConsoleSignin",
		"acsRegion", "cn-hangzhou",
		"sourceIp", "203.0.113.45",
		"userName", "alice",
		"userAgent", "Mozilla/5.0",
		"eventId", "4A6C1D6E-8B1F-4C2E-9E3A-1F2B3C4D5E6F",
		"eventRW", "Write",
	)}
	return g, l
}
