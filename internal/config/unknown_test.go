package config

import (
	"strings"
	"testing"
)

func TestUnknownVariables(t *testing.T) {
	tests := []struct {
		extra string
		want  string // "" = accepted silently
	}{
		{"SLS_PROJEC=x", "unknown variable SLS_PROJEC, did you mean SLS_PROJECT?"},
		{"SLS_ENDPONT=x", "unknown variable SLS_ENDPONT, did you mean SLS_ENDPOINT?"},
		{"SYSLOG_PROTO=tcp", "unknown variable SYSLOG_PROTO, did you mean SYSLOG_PROTOCOL?"},
		{"SYSLOG_FACILTY=local0", "unknown variable SYSLOG_FACILTY, did you mean SYSLOG_FACILITY?"},
		{"SIEMSHIP_LOGLEVEL=debug", "unknown variable SIEMSHIP_LOGLEVEL, did you mean SIEMSHIP_LOG_LEVEL?"},
		{"SLS_AK_KEY_FIEL=/x", "unknown variable SLS_AK_KEY_FIEL, did you mean SLS_AK_KEY_FILE?"},
		{"SYSLOG_TAGS=x", "unknown variable SYSLOG_TAGS, did you mean SYSLOG_TAG?"},
		{"sls_cg=x", "unknown variable sls_cg, did you mean SLS_CG? (names are case-sensitive)"},
		{"Syslog_Port=1", "unknown variable Syslog_Port, did you mean SYSLOG_PORT? (names are case-sensitive)"},
		{"SLS_ACCESS_KEY_ID=x", "unknown variable SLS_ACCESS_KEY_ID, did you mean SLS_AK_ID?"},
		{"SLS_ACCESS_KEY_SECRET=x", "unknown variable SLS_ACCESS_KEY_SECRET, did you mean SLS_AK_KEY?"},
		{"SLS_CONSUMER_GROUP=x", "unknown variable SLS_CONSUMER_GROUP, did you mean SLS_CG?"},
		{"SYSLOG_SERVER=x", "unknown variable SYSLOG_SERVER, did you mean SYSLOG_HOST?"},
		{"SIEMSHIP_SOMETHING_ELSE=1", "unknown variable SIEMSHIP_SOMETHING_ELSE (see siemship help-env)"},
		// Kubernetes service links: accepted only with the injected value shape.
		{"SIEMSHIP_PORT=tcp://10.0.0.7:9090", ""},
		{"SYSLOG_RELAY_SERVICE_PORT_SYSLOG_TLS=6514", ""},
		{"SLS_EMULATOR_PORT_8080_TCP=tcp://10.0.0.9:8080", ""},
		{"SLS_EMULATOR_PORT_8080_TCP_PROTO=tcp", ""},
		{"SIEMSHIP_PORT=9090", "unknown variable SIEMSHIP_PORT, did you mean SIEMSHIP_HTTP_ADDR?"},
		{"SYSLOG_FORMAT=cef", "unknown variable SYSLOG_FORMAT, did you mean SIEMSHIP_FORMAT?"},
		{"SYSLOG_TLS_PORT=6514", "unknown variable SYSLOG_TLS_PORT, did you mean SYSLOG_PORT?"},
		{"SIEMSHIP_SERVICE_HOST=not-an-ip", "unknown variable SIEMSHIP_SERVICE_HOST (see siemship help-env)"},
		// Not our prefixes.
		{"SLSPROJECT=x", ""},
		{"MY_SLS_PROJECT=x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.extra, func(t *testing.T) {
			c, err := load(env(tt.extra), fixedHostname)
			if tt.want == "" {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if c != nil || err == nil {
				t.Fatalf("accepted, want %q", tt.want)
			}
			got := varErrors(t, err)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnknownVariablesSortedAndFirst(t *testing.T) {
	got := problems(t, env("SYSLOG_ZZZ=1", "SLS_PORJECT=x", "SYSLOG_PORT=x"))
	want := []string{
		"unknown variable SLS_PORJECT, did you mean SLS_PROJECT?",
		"unknown variable SYSLOG_ZZZ (see siemship help-env)",
		`SYSLOG_PORT="x": must be a whole number`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAlternativesPointAtKnownNames(t *testing.T) {
	known := knownNames(fields(new(Config)))
	for alt, name := range alternatives {
		if !strings.Contains(strings.Join(known, " ")+" ", name+" ") {
			t.Errorf("alternative %s points at unknown %s", alt, name)
		}
		for _, k := range known {
			if k == alt {
				t.Errorf("alternative %s is itself a known name", alt)
			}
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"SLS_CG", "SLS_CG", 0}, {"SLS_PROJEC", "SLS_PROJECT", 1},
		{"SLS_PORJECT", "SLS_PROJECT", 2}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}
