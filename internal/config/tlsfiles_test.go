package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/sink/syslog"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

// tlsFiles writes a CA, a server and a client key pair (keys with mode 0600) for the tests.
func tlsFiles(t *testing.T) testcert.Files {
	t.Helper()
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestTLSFileErrors: every problem with a TLS file names its variable and the fix, and Load reports them with the
// other problems (siemship check and run both show Load's problems).
func TestTLSFileErrors(t *testing.T) {
	f := tlsFiles(t)
	missing := filepath.Join(t.TempDir(), "ca.pem")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	writeFile(t, garbage, "not pem")
	tls := "SYSLOG_PROTOCOL=tls"
	for _, tt := range []struct {
		env  []string
		want []string
	}{
		{env(tls, "SYSLOG_TLS_CA_FILE="+missing), []string{`SYSLOG_TLS_CA_FILE="` + missing + `": no such file; check the path`}},
		{env("SYSLOG_PROTOCOL=relp-tls", "SYSLOG_TLS_CA_FILE="+garbage), []string{`SYSLOG_TLS_CA_FILE="` + garbage + `": holds no PEM certificate; it must hold the certificate(s) of the CA`}},
		{env(tls, "SYSLOG_TLS_CERT_FILE="+f.ClientKey, "SYSLOG_TLS_KEY_FILE="+f.ClientCert), []string{
			`SYSLOG_TLS_CERT_FILE="` + f.ClientKey + `": holds a private key, not a certificate; are the certificate and key files swapped?`,
			`SYSLOG_TLS_KEY_FILE="` + f.ClientCert + `": holds no PEM private key; it must hold the key of the client certificate`}},
		{env(tls, "SYSLOG_TLS_CERT_FILE="+f.ClientCert, "SYSLOG_TLS_KEY_FILE="+f.ServerKey), []string{
			`SYSLOG_TLS_KEY_FILE="` + f.ServerKey + `": is not the private key of the client certificate`}},
		{env(tls, "SYSLOG_TLS_CERT_FILE="+missing), []string{
			`SYSLOG_TLS_CERT_FILE="` + missing + `": no such file`, `SYSLOG_TLS_KEY_FILE: required when SYSLOG_TLS_CERT_FILE is set`}},
	} {
		got := problems(t, tt.env)
		if len(got) != len(tt.want) {
			t.Errorf("%v: problems\n%s\nwant %d", tt.env[len(required):], strings.Join(got, "\n"), len(tt.want))
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.want[i]) {
				t.Errorf("problem %d:\n%s\nwant it to start with\n%s", i, got[i], tt.want[i])
			}
		}
	}

	// The commands that only talk to SLS do not read the receiver's files.
	if _, err := loadScope(env(tls, "SYSLOG_TLS_CA_FILE="+missing), fixedHostname, true); err != nil {
		t.Errorf("LoadSLS with a missing CA file: %v", err)
	}
	// A TLS file that breaks after Load: NewTLSConfig's error, mapped to the variable.
	c := mustLoad(t, env(tls, "SYSLOG_TLS_CA_FILE="+f.CA))
	c.TLSCAFile = missing
	_, err := syslog.NewTLSConfig(c.tlsOptions(), "siem.example.com")
	if err == nil || !strings.HasPrefix(c.TLSFileError(err).Error(), `SYSLOG_TLS_CA_FILE="`+missing+`": no such file`) {
		t.Errorf("TLSFileError(%v) = %v", err, c.TLSFileError(err))
	}
}

// TestTLSKeyWarning: a private key that group or others can read is a start-up warning naming the variable and
// chmod 600, not an error.
func TestTLSKeyWarning(t *testing.T) {
	f := tlsFiles(t)
	e := env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_CERT_FILE="+f.ClientCert, "SYSLOG_TLS_KEY_FILE="+f.ClientKey)
	if w := mustLoad(t, e).Warnings(); len(w) != 0 {
		t.Errorf("key 0600: warnings %q", w)
	}
	if err := os.Chmod(f.ClientKey, 0o644); err != nil {
		t.Fatal(err)
	}
	w := mustLoad(t, e).Warnings()
	want := "SYSLOG_TLS_KEY_FILE=" + f.ClientKey + " is readable by group or others (mode 0644)"
	if len(w) != 1 || !strings.HasPrefix(w[0], want) || !strings.Contains(w[0], "chmod 600 "+f.ClientKey) || strings.Contains(w[0], "\n") {
		t.Errorf("key 0644: warnings %q, want one line starting %q and saying chmod 600", w, want)
	}
}
