package slsemu_test

import (
	"errors"
	"strings"
	"testing"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// TestNameRules: the emulator accepts exactly the names SLS accepts (docs/emulator.md), and each refusal says the
// rule that was broken.
func TestNameRules(t *testing.T) {
	s := slsemu.New(slsemu.Options{})
	long := strings.Repeat("a", 64)
	for _, tt := range []struct {
		project, logstore string
		want              string // "" when accepted
	}{
		{"abc", "abc", ""},
		{"a-1", "a_1", ""},
		{strings.Repeat("a", 63), strings.Repeat("b", 63), ""},
		{"ab", "abc", `project name "ab": must be 3 to 63 characters long, not 2`},
		{"a", "abc", `project name "a": must be 3 to 63 characters long, not 1`},
		{long, "abc", `project name "` + long + `": must be 3 to 63 characters long, not 64`},
		{"Demo", "abc", `project name "Demo": may contain only lower-case letters, digits and hyphens, not "D"`},
		{"my_proj", "abc", `project name "my_proj": may contain only lower-case letters, digits and hyphens, not "_"`},
		{"bad.name", "abc", `project name "bad.name": may contain only lower-case letters, digits and hyphens, not "."`},
		{"-ab", "abc", `project name "-ab": must start and end with a lower-case letter or a digit`},
		{"ab-", "abc", `project name "ab-": must start and end with a lower-case letter or a digit`},
		{"abc", "ab", `logstore name "ab": must be 3 to 63 characters long, not 2`},
		{"abc", "Audit", `logstore name "Audit": may contain only lower-case letters, digits, hyphens and underscores, not "A"`},
		{"abc", "_ab", `logstore name "_ab": must start and end with a lower-case letter or a digit`},
		{"abc", "a/b", `logstore name "a/b": may contain only lower-case letters, digits, hyphens and underscores, not "/"`},
	} {
		err := s.AddLogstore(tt.project, tt.logstore, 1, 0)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("AddLogstore(%q, %q) = %v, want it accepted", tt.project, tt.logstore, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("AddLogstore(%q, %q) = %v, want %s", tt.project, tt.logstore, err, tt.want)
		}
	}
}

// TestConsumerGroupNameRules: CreateConsumerGroup refuses what SLS refuses, with ParameterInvalid and the rule.
func TestConsumerGroupNameRules(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	c := e.client(t)
	for name, want := range map[string]string{
		"cg":                    "",
		"siem_export-2":         "",
		strings.Repeat("g", 63): "",
		"g":                     `consumer group name "g": must be 2 to 63 characters long, not 1`,
		strings.Repeat("g", 64): `must be 2 to 63 characters long, not 64`,
		"SiemExport":            `consumer group name "SiemExport": may contain only lower-case letters, digits, hyphens and underscores, not "S"`,
		"cg-":                   `consumer group name "cg-": must start and end with a lower-case letter or a digit`,
	} {
		err := c.CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: name, Timeout: 30})
		if want == "" {
			if err != nil {
				t.Errorf("create %q: %v", name, err)
			}
			continue
		}
		var se *sls.Error
		if !errors.As(err, &se) || se.HTTPCode != 400 || se.Code != "ParameterInvalid" || !strings.Contains(se.Message, want) {
			t.Errorf("create %q: %v, want 400 ParameterInvalid %q", name, err, want)
		}
	}
}
