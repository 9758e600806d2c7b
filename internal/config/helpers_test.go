package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// required is the smallest valid environment.
var required = []string{
	"SLS_ENDPOINT=cn-hangzhou.log.aliyuncs.com",
	"SLS_AK_ID=LTAI5tExampleKeyId",
	"SLS_AK_KEY=s3cr3tAccessKeyValue",
	"SLS_PROJECT=my-project",
	"SLS_LOGSTORE=my_logstore",
	"SLS_CG=siem",
	"SYSLOG_HOST=siem.example.com",
}

const testHost = "node-1.example.com"

func fixedHostname() (string, error) { return testHost, nil }

// env returns the required variables with extra ones; an extra KEY=VALUE replaces a required KEY, and "-KEY" removes it.
func env(extra ...string) []string {
	out := slices.Clone(required)
	for _, e := range extra {
		if name, ok := strings.CutPrefix(e, "-"); ok {
			out = slices.DeleteFunc(out, func(s string) bool { return strings.HasPrefix(s, name+"=") })
			continue
		}
		k, _, _ := strings.Cut(e, "=")
		out = slices.DeleteFunc(out, func(s string) bool { return strings.HasPrefix(s, k+"=") })
		out = append(out, e)
	}
	return out
}

func mustLoad(t *testing.T, environ []string) *Config {
	t.Helper()
	c, err := load(environ, fixedHostname)
	if err != nil {
		t.Fatalf("load: unexpected error:\n%v", err)
	}
	return c
}

// problems loads environ, expects failure and returns the problems one per element.
func problems(t *testing.T, environ []string) []string {
	t.Helper()
	c, err := load(environ, fixedHostname)
	if err == nil {
		t.Fatalf("load succeeded, want an error; config: %v", c)
	}
	if c != nil {
		t.Errorf("load returned a config together with an error")
	}
	return varErrors(t, err)
}

// varErrors checks that err joins only *VarError values and returns their messages.
func varErrors(t *testing.T, err error) []string {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T is not a join of errors: %v", err, err)
	}
	var out []string
	for _, e := range joined.Unwrap() {
		var ve *VarError
		if !errors.As(e, &ve) {
			t.Errorf("problem %T is not a *VarError: %v", e, e)
		}
		out = append(out, e.Error())
	}
	if got := strings.Join(out, "\n"); got != err.Error() {
		t.Errorf("joined error text differs from its parts:\n%s\nvs\n%s", err.Error(), got)
	}
	return out
}
