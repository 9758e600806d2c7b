package syslog

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

func TestNewTLSConfig(t *testing.T) {
	b := certs(t)
	dir := t.TempDir()
	f, err := b.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		o          TLSOptions
		def        string
		wantName   string
		wantRoots  bool
		wantCert   bool
		wantErr    string
		skipVerify bool
	}{
		{name: "system roots, name from host:port", def: "siem.example.org:6514", wantName: "siem.example.org"},
		{name: "name from bare host", def: "siem.example.org", wantName: "siem.example.org"},
		{name: "explicit name wins", o: TLSOptions{ServerName: "other"}, def: "h:1", wantName: "other"},
		{name: "ca and client cert", o: TLSOptions{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey},
			def: "localhost:6514", wantName: "localhost", wantRoots: true, wantCert: true},
		{name: "insecure", o: TLSOptions{InsecureSkipVerify: true}, def: "", skipVerify: true},
		{name: "cert without key", o: TLSOptions{CertFile: f.ClientCert}, def: "h:1", wantErr: "both a certificate file and a key file"},
		{name: "missing ca", o: TLSOptions{CAFile: filepath.Join(dir, "nope.pem")}, def: "h:1", wantErr: "tls: CA file " + filepath.Join(dir, "nope.pem") + ": no such file"},
		{name: "ca without pem", o: TLSOptions{CAFile: garbage}, def: "h:1", wantErr: "holds no PEM certificate"},
		{name: "key mismatch", o: TLSOptions{CertFile: f.ClientCert, KeyFile: f.ServerKey}, def: "h:1", wantErr: "tls: client key file " + f.ServerKey + ": is not the private key of the client certificate"},
		{name: "no name", def: "", wantErr: "no server name"},
		{name: "name with a space", o: TLSOptions{ServerName: "siem example"}, def: "h:1", wantErr: `tls: server name "siem example": must not contain spaces or control characters`},
		{name: "name with LF", o: TLSOptions{ServerName: "siem\n"}, def: "h:1", wantErr: "must not contain spaces or control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := NewTLSConfig(tc.o, tc.def)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MinVersion != tls.VersionTLS12 || cfg.ServerName != tc.wantName || cfg.InsecureSkipVerify != tc.skipVerify ||
				(cfg.RootCAs != nil) != tc.wantRoots || (len(cfg.Certificates) == 1) != tc.wantCert {
				t.Errorf("config: min %x name %q insecure %v roots %v certs %d", cfg.MinVersion, cfg.ServerName,
					cfg.InsecureSkipVerify, cfg.RootCAs != nil, len(cfg.Certificates))
			}
		})
	}

	// The files produce a working mutual-TLS client.
	r := receiver(t, syslogrecv.Options{Protocol: "tls", TLS: b.ServerConfig(true)}, nil)
	cfg, err := NewTLSConfig(TLSOptions{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}, r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, Options{Protocol: ProtocolTLS, Addrs: []string{r.Addr()}, TLS: cfg})
	if err := c.Check(t.Context()); err != nil {
		t.Fatalf("Check with NewTLSConfig from files: %v", err)
	}
}

// TestCheckTLSFiles: every problem of every file at once, each naming its file and saying what to do.
func TestCheckTLSFiles(t *testing.T) {
	b := certs(t)
	dir := t.TempDir()
	f, err := b.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := write("garbage.pem", "not pem")
	encrypted := write("encrypted.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
	huge := write("huge.pem", strings.Repeat("x", maxPEMFile+1))
	missing := filepath.Join(dir, "missing.pem")
	type problem struct {
		file TLSFile
		msg  string // start of Msg
	}
	for _, tc := range []struct {
		name string
		o    TLSOptions
		want []problem
	}{
		{"all good", TLSOptions{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}, nil},
		{"nothing set", TLSOptions{}, nil},
		{"missing", TLSOptions{CAFile: missing, CertFile: missing, KeyFile: missing}, []problem{
			{TLSFileCA, "no such file; check the path"}, {TLSFileCert, "no such file"}, {TLSFileKey, "no such file"}}},
		{"a directory", TLSOptions{CAFile: dir}, []problem{{TLSFileCA, "is a directory"}}},
		{"not a regular file", TLSOptions{CAFile: "/dev/null"}, []problem{{TLSFileCA, "is not a regular file"}}},
		{"too large", TLSOptions{CAFile: huge}, []problem{{TLSFileCA, "is 1048577 bytes"}}},
		{"no pem", TLSOptions{CAFile: garbage, CertFile: garbage, KeyFile: garbage}, []problem{
			{TLSFileCA, "holds no PEM certificate"}, {TLSFileCert, "holds no PEM data"}, {TLSFileKey, "holds no PEM private key"}}},
		{"swapped", TLSOptions{CertFile: f.ClientKey, KeyFile: f.ClientCert}, []problem{
			{TLSFileCert, "holds a private key, not a certificate; are the certificate and key files swapped?"},
			{TLSFileKey, "holds no PEM private key"}}},
		{"encrypted key", TLSOptions{CertFile: f.ClientCert, KeyFile: encrypted}, []problem{{TLSFileKey, "holds an encrypted private key"}}},
		{"key of another certificate", TLSOptions{CertFile: f.ClientCert, KeyFile: f.ServerKey}, []problem{
			{TLSFileKey, "is not the private key of the client certificate"}}},
		{"certificate without key", TLSOptions{CertFile: f.ClientCert}, nil}, // the missing key is config's rule
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckTLSFiles(tc.o)
			if len(got) != len(tc.want) {
				t.Fatalf("%d problems %v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				if got[i].File != w.file || !strings.HasPrefix(got[i].Msg, w.msg) || got[i].Path == "" {
					t.Errorf("problem %d: %s file %s: %q; want %s file: %q...", i, got[i].File, got[i].Path, got[i].Msg, w.file, w.msg)
				}
			}
		})
	}
}

// TestTLSFileWarnings: a private key that others can read gets a warning (not an error), unless it is root's and
// only its group can read it (Kubernetes fsGroup, Debian's ssl-cert).
func TestTLSFileWarnings(t *testing.T) {
	b := certs(t)
	f, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode   os.FileMode
		uid    int // -1: the test's own user
		warned bool
	}{
		{0o600, -1, false},
		{0o400, -1, false},
		{0o644, -1, true},
		{0o604, -1, true},
		{0o640, -1, os.Getuid() != 0},
		{0o640, 65534, true}, // someone else's key, group-readable
		{0o440, 0, false},    // Kubernetes: defaultMode 0440 with fsGroup
		{0o444, 0, true},
	} {
		t.Run(fmt.Sprintf("%04o uid %d", tc.mode, tc.uid), func(t *testing.T) {
			if err := os.Chmod(f.ClientKey, tc.mode); err != nil {
				t.Fatal(err)
			}
			if tc.uid >= 0 {
				if os.Getuid() != 0 {
					t.Skip("chown needs root")
				}
				if err := os.Chown(f.ClientKey, tc.uid, -1); err != nil {
					t.Fatal(err)
				}
				defer os.Chown(f.ClientKey, os.Getuid(), -1) //nolint:errcheck // the next case sets its own
			}
			w := TLSFileWarnings(TLSOptions{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey})
			if tc.warned != (len(w) == 1) || len(w) > 1 {
				t.Fatalf("warnings %v, want a warning: %v", w, tc.warned)
			}
			if tc.warned && (w[0].File != TLSFileKey || !strings.Contains(w[0].Msg, fmt.Sprintf("mode %04o", tc.mode)) ||
				!strings.Contains(w[0].Msg, "chmod 600 "+f.ClientKey)) {
				t.Errorf("warning %q: want the key file, its mode and chmod 600", w[0].Msg)
			}
			if errs := CheckTLSFiles(TLSOptions{CertFile: f.ClientCert, KeyFile: f.ClientKey}); len(errs) != 0 {
				t.Errorf("CheckTLSFiles: %v; a readable key is not an error", errs)
			}
		})
	}
}
