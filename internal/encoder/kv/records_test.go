package kv

import (
	"strings"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
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

func testCases() []testCase {
	grp, lg := encodertest.Group, encodertest.Log
	limit := func(n int) func(*Options) { return func(o *Options) { o.MaxMessageBytes = n } }
	// hostile is a case of encodertest's hostile set; sanitized is what this format makes of it (limit(0) is the
	// default: no limit).
	hostile := func(name string, sanitized bool) testCase {
		c := encodertest.Hostile(name)
		return testCase{name: name, group: c.Group, log: c.Log, opts: limit(c.Limit), wantTruncated: c.Limit > 0, wantSanitized: sanitized}
	}
	return []testCase{
		hostile("plain", false),
		hostile("python_sample", false),
		{
			name:  "custom_header",
			group: grp("audit", "10.0.0.1"), log: lg("k", "v"),
			opts: func(o *Options) {
				o.Facility, o.Severity = 20, 4
				o.Hostname, o.AppName, o.ProcID, o.MsgID = "web-01.example.com", "siemship", "4242", "sls-audit"
				o.StructuredData = `[siemship@32473 project="p1" logstore="audit \"main\""]`
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
			group: grp("t", "s"), log: lg("msg", strings.Repeat("\n\x01", 2000)),
			opts: limit(480), wantTruncated: true, wantSanitized: true,
		},
		hostile("truncated_invalid_utf8", true),
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
