package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoad sets two variables (picked by index among every accepted name) to arbitrary values on top of a valid
// environment. Properties: no panic; an error joins only *VarError values and never shows the secret; a
// returned Config passes Validate and renders without the secret.
func FuzzLoad(f *testing.F) {
	names := append(knownNames(fields(new(Config))), "SLS_PROJEC", "SIEMSHIP_PORT", "sls_cg")
	const secret = "FuzzSecretValue0123"
	f.Add(uint8(0), "https://x", uint8(1), "id")
	f.Add(uint8(20), "tls", uint8(25), "true")
	f.Add(uint8(8), "2026-01-02T15:04:05Z", uint8(11), "3s")
	f.Add(uint8(34), "[a@1 b=\"c\"]", uint8(200), "tcp://1.2.3.4:5")
	f.Fuzz(func(t *testing.T, i1 uint8, v1 string, i2 uint8, v2 string) {
		n1, n2 := names[int(i1)%len(names)], names[int(i2)%len(names)]
		if strings.HasSuffix(n1, "_FILE") || strings.HasSuffix(n2, "_FILE") {
			return // reading arbitrary paths is not what this fuzzes
		}
		environ := env("SLS_AK_KEY="+secret, n1+"="+v1, n2+"="+v2)
		c, err := load(environ, fixedHostname)
		leakable := strings.Contains(v1+v2, secret) || n1 == "SLS_AK_KEY" || n2 == "SLS_AK_KEY"
		if err != nil {
			if c != nil {
				t.Errorf("config and error together")
			}
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var ve *VarError
				if !errors.As(e, &ve) {
					t.Errorf("%T is not a *VarError: %v", e, e)
				}
			}
			if !leakable && strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
			return
		}
		if verr := c.Validate(); verr != nil {
			t.Errorf("Load accepted what Validate rejects: %v", verr)
		}
		if !leakable && strings.Contains(c.String(), secret) {
			t.Errorf("String shows the secret: %s", c)
		}
		if _, err := c.SyslogAddrs(); err != nil {
			t.Errorf("valid config, SyslogAddrs fails: %v", err)
		}
	})
}
