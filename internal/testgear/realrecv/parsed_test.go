package realrecv

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeTimestamp(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2003-10-11T22:14:15.003Z", "2003-10-11T22:14:15.003Z"},
		{"2003-10-11T22:14:15.003000+00:00", "2003-10-11T22:14:15.003Z"},
		{"2024-01-02T03:04:05.123456-07:00", "2024-01-02T10:04:05.123456Z"},
		{"2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z"},
		{"2024-01-02T03:04:05.000000+00:00", "2024-01-02T03:04:05Z"},
		{"-", "-"},
		{"", ""},
		{"2024-01-02 03:04:05", "2024-01-02 03:04:05"},
	}
	for _, tt := range tests {
		if got := NormalizeTimestamp(tt.in); got != tt.want {
			t.Errorf("NormalizeTimestamp(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDecodeLine decodes output lines in the shape each receiver writes (taken from real runs) and checks that
// both normalise to the same Fields.
func TestDecodeLine(t *testing.T) {
	rsyslogLine := `{"pri":"134", "version":"1", "timestamp":"2024-01-02T03:04:05.123456-07:00", "hostname":"h2", ` +
		`"app":"app", "procid":"-", "msgid":"M1", "sd":"[a@1 k=\"v with \\] bracket\"]", "msg":"\ufeffmsg", ` +
		`"raw":"<134>1 2024-01-02T03:04:05.123456-07:00 h2 app - M1 [a@1 k=\"v with \\] bracket\"] \ufeffmsg", "input":"tcp"}`
	syslogNGLine := `{"timestamp":"2024-01-02T10:04:05.123456+00:00","source":"s_tcp",` +
		`"sdparams":"{\"_SDATA\":{\"a@1\":{\"k\":\"v with ] bracket\"}}}","sd":"[a@1 k=\"v with \\] bracket\"]",` +
		`"raw":"<134>1 2024-01-02T03:04:05.123456-07:00 h2 app - M1 [a@1 k=\"v with \\] bracket\"] \ufeffmsg",` +
		`"pri":"134","msgid":"M1","msg":"msg","hostname":"h2","app":"app"}`
	want := Fields{Pri: "134", Timestamp: "2024-01-02T10:04:05.123456Z", Hostname: "h2", App: "app", MsgID: "M1",
		SD: `[a@1 k="v with \] bracket"]`, Msg: "msg"}

	r, err := decodeLine(ReceiverRsyslog, []byte(rsyslogLine))
	if err != nil {
		t.Fatal(err)
	}
	s, err := decodeLine(ReceiverSyslogNG, []byte(syslogNGLine))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Parsed{r, s} {
		if got := p.Fields(); got != want {
			t.Errorf("%s fields = %+v, want %+v", p.Receiver, got, want)
		}
		if p.Input != "tcp" {
			t.Errorf("%s input = %q, want tcp", p.Receiver, p.Input)
		}
	}
	if r.ProcID != "-" || s.ProcID != "" || r.Version != "1" || r.SDParams != nil {
		t.Errorf("raw values changed: rsyslog %+v, syslog-ng %+v", r, s)
	}
	if want := map[string]string{"a@1.k": "v with ] bracket"}; !maps.Equal(s.SDParams, want) {
		t.Errorf("sdparams = %q, want %q", s.SDParams, want)
	}

	// RFC 3164: rsyslog (VERSION 0) keeps the space after the TAG's colon in MSG, syslog-ng does not.
	for _, p := range []Parsed{
		{Receiver: ReceiverRsyslog, Version: "0", Msg: " m"},
		{Receiver: ReceiverSyslogNG, Msg: "m"},
	} {
		if got := p.Fields().Msg; got != "m" {
			t.Errorf("%s RFC 3164 msg %q normalised to %q, want %q", p.Receiver, p.Msg, got, "m")
		}
	}
	for _, p := range []Parsed{
		{Receiver: ReceiverRsyslog, Version: "1", Msg: " m"},
		{Receiver: ReceiverSyslogNG, Msg: " m"},
	} {
		if got := p.Fields().Msg; got != " m" {
			t.Errorf("%s msg %q normalised to %q, want it unchanged", p.Receiver, p.Msg, got)
		}
	}

	if _, err := decodeLine(ReceiverRsyslog, []byte(`{"pri":`)); err == nil {
		t.Error("truncated line decoded without error")
	}
	if _, err := decodeLine(ReceiverSyslogNG, []byte(`{"sdparams":"{"}`)); err == nil {
		t.Error("broken sdparams decoded without error")
	}
}

func TestParseSD(t *testing.T) {
	tests := []struct {
		in      string
		want    []SDElement
		wantErr bool
	}{
		{in: "-"},
		{in: ""},
		{in: "[a@1]", want: []SDElement{{ID: "a@1"}}},
		{in: `[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]`,
			want: []SDElement{
				{ID: "exampleSDID@32473", Params: []SDParam{{"iut", "3"}, {"eventSource", "Application"}, {"eventID", "1011"}}},
				{ID: "examplePriority@32473", Params: []SDParam{{"class", "high"}}},
			}},
		{in: `[a k="v with \] \"q\" \\ b \n"]`, want: []SDElement{{ID: "a", Params: []SDParam{{"k", `v with ] "q" \ b \n`}}}}},
		{in: `[a k=""]`, want: []SDElement{{ID: "a", Params: []SDParam{{"k", ""}}}}},
		{in: `[a k="ü"]`, want: []SDElement{{ID: "a", Params: []SDParam{{"k", "ü"}}}}},
		{in: `[]`, wantErr: true},
		{in: `[a k="v"`, wantErr: true},
		{in: `[a k="v]`, wantErr: true},
		{in: `[a k=v]`, wantErr: true},
		{in: `[a  k="v"]`, wantErr: true},
		{in: `x[a]`, wantErr: true},
		{in: `[a k="v"] [b]`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseSD(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSD(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSD(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseSD checks that ParseSD never panics and that what it accepts survives re-encoding.
func FuzzParseSD(f *testing.F) {
	for _, s := range []string{"-", `[a@1 k="v"]`, `[a k="\]\"\\"][b]`, `[a k="v`, `[`, `[a k=""]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		elems, err := ParseSD(s)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, e := range elems {
			b.WriteString("[" + e.ID)
			for _, p := range e.Params {
				v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`).Replace(p.Value)
				b.WriteString(" " + p.Name + `="` + v + `"`)
			}
			b.WriteString("]")
		}
		again, err := ParseSD(b.String())
		if err != nil {
			t.Fatalf("re-encoded %q (from %q) does not parse: %v", b.String(), s, err)
		}
		if !reflect.DeepEqual(again, elems) {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, elems)
		}
	})
}

// fakeTB records Skip and Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = strings.TrimSpace(strings.Join(strs(args), " ")) }
func (f *fakeTB) Fatal(args ...any) { f.fatal = strings.TrimSpace(strings.Join(strs(args), " ")) }
func strs(args []any) (out []string) {
	for _, a := range args {
		out = append(out, a.(string))
	}
	return out
}

func TestMissingReceiverSkipsOrFailsOnCI(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			f := &fakeTB{TB: t}
			missingReceiver(f, "rsyslogd")
			got := f.skipped
			if ci == "true" {
				got = f.fatal
				if f.skipped != "" {
					t.Errorf("skipped on CI: %s", f.skipped)
				}
			} else if f.fatal != "" {
				t.Errorf("failed outside CI: %s", f.fatal)
			}
			if !strings.Contains(got, InstallScript) || !strings.Contains(got, "REAL RECEIVER MISSING: rsyslogd") {
				t.Errorf("message does not name the receiver and %s:\n%s", InstallScript, got)
			}
		})
	}
}
