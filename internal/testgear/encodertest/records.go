package encodertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// Sec and Ns are the time of the test records: 2026-11-23T09:22:25.147976960Z.
const (
	Sec = 1795425745
	Ns  = 147976960
)

// Fields pairs kv into fields: key, value, key, value... (an odd last one is dropped).
func Fields(kv ...string) []record.Field {
	out := make([]record.Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, record.Field{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

// ManyFields is n fields field_i = "value i*i".
func ManyFields(n int) []record.Field {
	out := make([]record.Field, n)
	for i := range out {
		out[i] = record.Field{Key: "field_" + strconv.Itoa(i), Value: "value " + strconv.Itoa(i*i)}
	}
	return out
}

// Group is a log group with a topic, a source and the tags kv.
func Group(topic, source string, tags ...string) record.Group {
	return record.Group{Topic: topic, Source: source, Tags: Fields(tags...)}
}

// Log is a log at Sec, Ns with the contents kv.
func Log(kv ...string) record.Log {
	return record.Log{Time: Sec, TimeNs: Ns, Contents: Fields(kv...)}
}

// Audit is a realistic ActionTrail-style audit record of 10 pairs (topic, source, one tag, 7 contents); with the
// benchmarks' kv header its message is 336 bytes.
func Audit() (record.Group, record.Log) {
	g := record.Group{
		Topic:  "actiontrail_audit_event",
		Source: "10.0.3.17",
		Tags:   Fields("__hostname__", "ecs-web-01"),
	}
	l := record.Log{Time: Sec, TimeNs: Ns, Contents: Fields(
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

// Generated are the emulator's records as `siemship bench` pulls them: n ActionTrail-like records of 8 to 15
// fields in log groups of perGroup with three tags each, decoded by the consumer's walk (the strings alias the
// pulled buffer, as in production).
func Generated(tb testing.TB, n, perGroup int) []record.Group {
	tb.Helper()
	groups, err := consumer.Walk(slsemu.GeneratedList(n, perGroup, 1))
	if err != nil {
		tb.Fatal(err)
	}
	return groups
}

// Case is a named record of the hostile set. Limit, when not 0, is the MaxMessageBytes it is meant for: with it
// every format cuts the message.
type Case struct {
	Name  string
	Group record.Group
	Log   record.Log
	Limit int
}

// Hostile returns the case of the hostile set called name; it panics on another name. The set is the records
// every format is tested with in the same form (a format with a variant of one keeps its own):
//
//	plain, python_sample, zero_time, empty, empty_keys_values, forged_lines, separators, equals_in_keys,
//	invalid_utf8, control_bytes, unicode, value_100k, fields_500, truncated_utf8, truncated_invalid_utf8
func Hostile(name string) Case {
	c := Case{Name: name}
	switch name {
	case "plain":
		c.Group, c.Log = Group("t", "s", "host", "h9"), Log("k", "v")
	case "python_sample": // the Alibaba Python sample's record
		c.Group, c.Log = Group("mytopic", "src1", "host", "h9"), Log("k", "pv0", "msg", "hello world")
	case "zero_time":
		c.Group, c.Log = Group("t", "s"), record.Log{Contents: Fields("k", "v")}
	case "empty":
		c.Group, c.Log = Group("", ""), record.Log{Time: Sec}
	case "empty_keys_values":
		c.Group, c.Log = Group("", "", "", ""), Log("", "v", "k", "", "", "")
	case "forged_lines":
		c.Group = Group("t", "s")
		c.Log = Log("msg", "ok\n<13>1 2026-11-23T09:22:25Z evil forged - - - injected",
			"crlf", "a\r\n<14>1 - - - - - - second", "lf_key\nx", "v")
	case "separators":
		c.Group = Group("a||b", "||", "||", "x")
		c.Log = Log("a||b", "x||y", "trail", "ends|", "lead", "|starts", "runs", "|||||", "k|", "|v", "pipe|key", "=")
	case "equals_in_keys":
		c.Group, c.Log = Group("t", "s", "t=k", "t=v"), Log("a=b", "x=y=z", "=", "=", "==", "", "a\\=b", "c\\")
	case "invalid_utf8":
		c.Group = Group("t\xff", "s")
		c.Log = Log("k\xc3", "caf\xc3", "v", "\xff\xfe\xfd", "surrogate", "a\xed\xa0\x80b", "cut", "\xe4\xb8",
			"real_fffd", "\uFFFD\xff", "literal", `\xff`+"\xff")
	case "control_bytes":
		c.Group = Group("t", "s")
		c.Log = Log("nul", "a\x00b", "esc", "\x1b[31mred\x1b[0m", "tab", "a\tb", "del", "x\x7fy", "bs", `C:\new\x41`,
			"bell\x07", "\x01\x1f")
	case "unicode":
		c.Group = Group("日志", "源", "主机", "杭州")
		c.Log = Log("msg", "用户登录成功 🎉", "rtl", "مرحبا", "nel", "a\u0085b", "ls", "a\u2028b", "combining", "e\u0301")
	case "value_100k":
		c.Group, c.Log = Group("t", "s"), Log("big", strings.Repeat("0123456789abcdef", 6400))
	case "fields_500":
		c.Group, c.Log = Group("t", "s", "host", "h9"), record.Log{Time: Sec, TimeNs: Ns, Contents: ManyFields(500)}
	case "truncated_utf8":
		c.Group, c.Log, c.Limit = Group("t", "s"), Log("msg", strings.Repeat("用户登录", 2000)), 480
	case "truncated_invalid_utf8":
		c.Group, c.Log, c.Limit = Group("t", "s"), Log("msg", strings.Repeat("\xffé\xc3", 500)), 480
	default:
		panic("encodertest: no hostile case " + strconv.Quote(name))
	}
	return c
}
