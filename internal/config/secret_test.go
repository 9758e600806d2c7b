package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	akSecret = "s3cr3tAccessKeyValue" // as in required
	stsToken = "CAISsecretSTStoken"
)

func TestSecretRendering(t *testing.T) {
	s := NewSecret(akSecret)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		if got := fmt.Sprintf(verb, s); strings.Contains(got, akSecret) || strings.Contains(got, fmt.Sprintf("%x", akSecret)) {
			t.Errorf("fmt %s leaks the secret: %s", verb, got)
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint = %q", got)
	}
	if got := fmt.Sprintf("%#v", s); got != `config.Secret("[redacted]")` {
		t.Errorf("%%#v = %q", got)
	}
	if got := fmt.Sprint(Secret{}); got != "" {
		t.Errorf("empty secret prints %q, want empty", got)
	}
	j, err := json.Marshal(struct{ K Secret }{s})
	if err != nil || string(j) != `{"K":"[redacted]"}` {
		t.Errorf("json = %s, %v", j, err)
	}
	txt, err := s.MarshalText()
	if err != nil || string(txt) != "[redacted]" {
		t.Errorf("text = %s, %v", txt, err)
	}
	if s.Reveal() != akSecret || s.IsZero() || !(Secret{}).IsZero() {
		t.Errorf("Reveal/IsZero wrong")
	}
}

// TestConfigNeverShowsSecrets renders a loaded Config every way a developer might log it.
func TestConfigNeverShowsSecrets(t *testing.T) {
	c := mustLoad(t, env("SLS_SECURITY_TOKEN="+stsToken))
	var buf bytes.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zap.DebugLevel))
	log.Info("config", zap.Object("config", c), zap.Any("any", c), zap.Reflect("reflect", c),
		zap.Any("key", c.AccessKeySecret), zap.Reflect("key2", c.AccessKeySecret), zap.Stringer("key3", c.SecurityToken))
	log.Info("console", zap.String("s", c.String()))
	jsonCfg, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	renderings := map[string]string{
		"%v *Config": fmt.Sprintf("%v", c), "%+v *Config": fmt.Sprintf("%+v", c), "%#v *Config": fmt.Sprintf("%#v", c),
		"%v Config": fmt.Sprintf("%v", *c), "%+v Config": fmt.Sprintf("%+v", *c), "%#v Config": fmt.Sprintf("%#v", *c),
		"%+v SLS": fmt.Sprintf("%+v", c.SLS), "%s": fmt.Sprintf("%s", c), "String": c.String(),
		"json": string(jsonCfg), "zap": buf.String(),
	}
	for how, out := range renderings {
		if strings.Contains(out, akSecret) || strings.Contains(out, stsToken) {
			t.Errorf("%s leaks a secret: %s", how, out)
		}
	}
	for _, how := range []string{"%v *Config", "String", "zap", "json", "%+v Config", "%#v *Config"} {
		if !strings.Contains(renderings[how], "[redacted]") {
			t.Errorf("%s does not show [redacted]: %s", how, renderings[how])
		}
	}
	if !strings.Contains(buf.String(), `"SLS_AK_KEY":"[redacted]"`) || !strings.Contains(buf.String(), `"SLS_PROJECT":"my-project"`) {
		t.Errorf("zap.Object output lacks the expected keys: %s", buf.String())
	}
	if !strings.Contains(c.String(), "SLS_AK_KEY=[redacted] SLS_SECURITY_TOKEN=[redacted]") {
		t.Errorf("String: %s", c.String())
	}
}

// TestErrorsNeverShowSecrets makes every secret variable invalid and checks the messages.
func TestErrorsNeverShowSecrets(t *testing.T) {
	got := problems(t, env("SLS_AK_KEY="+akSecret+"\n", "SLS_SECURITY_TOKEN="+stsToken+" ", "SYSLOG_PROTOCOL=x"))
	all := strings.Join(got, "\n")
	if strings.Contains(all, akSecret) || strings.Contains(all, stsToken) {
		t.Errorf("errors leak a secret:\n%s", all)
	}
	if !strings.Contains(all, "SLS_AK_KEY=[redacted]") || !strings.Contains(all, "SLS_SECURITY_TOKEN=[redacted]") {
		t.Errorf("errors do not name the secret variables:\n%s", all)
	}
}
