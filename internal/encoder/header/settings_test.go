package header

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

func TestValidateFields(t *testing.T) {
	for _, tt := range []struct {
		validate func(string) error
		max      int
		what     string
	}{
		{ValidateHostname, MaxHostname, "HOSTNAME"},
		{ValidateAppName, MaxAppName, "APP-NAME"},
		{ValidateProcID, MaxProcID, "PROCID"},
		{ValidateMsgID, MaxMsgID, "MSGID"},
	} {
		for _, ok := range []string{"-", "a", "!~", strings.Repeat("x", tt.max)} {
			if err := tt.validate(ok); err != nil {
				t.Errorf("%s %q: %v", tt.what, ok, err)
			}
		}
		for _, bad := range []string{"", "a b", "a\tb", "é", "a\xff", strings.Repeat("x", tt.max+1)} {
			err := tt.validate(bad)
			if err == nil || !strings.Contains(err.Error(), "(RFC 5424 "+tt.what+")") {
				t.Errorf("%s %q: %v", tt.what, bad, err)
			}
		}
	}
}

// TestLen: Len(o) is the header New writes, for both formats, and LeastMaxMessageBytes and CheckMaxMessageBytes
// agree with New.
func TestLen(t *testing.T) {
	r := strings.Repeat
	for _, o := range []Options{
		{},
		{Facility: 23, Severity: 7, Hostname: r("h", 255), AppName: r("a", 48), ProcID: r("p", 128), MsgID: r("m", 32),
			StructuredData: `[x@1 k="v"]`},
		{Format: RFC3164, Facility: 16, Severity: 6, Hostname: "host!", AppName: r("a", 48), ProcID: "42", MsgID: "m"},
		{Format: RFC3164, Hostname: r("h", 255), AppName: "-"},
	} {
		o.Framing = message.FramingNone // Begin then writes the header alone
		h, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		if Len(o) != h.Len() {
			t.Errorf("%+v: Len %d, New's header %d", o, Len(o), h.Len())
		}
		dst, start, _ := h.Begin(nil, &record.Log{Time: 1764000000})
		if len(dst)-start != h.Len() {
			t.Errorf("%+v: header written is %d bytes, Len %d", o, len(dst)-start, h.Len())
		}
		least := LeastMaxMessageBytes(o)
		for n, ok := range map[int]bool{0: true, least: true, least - 1: false, -1: false} {
			o.MaxMessageBytes = n
			_, err := New(o)
			if (CheckMaxMessageBytes(o) == nil) != ok || (err == nil) != ok {
				t.Errorf("%+v: CheckMaxMessageBytes %v, New %v, want ok %v", o, CheckMaxMessageBytes(o), err, ok)
			}
		}
	}
	if got := LeastMaxMessageBytes(Options{}); got != MinMaxMessageBytes {
		t.Errorf("LeastMaxMessageBytes of the shortest header = %d, want %d", got, MinMaxMessageBytes)
	}
}
