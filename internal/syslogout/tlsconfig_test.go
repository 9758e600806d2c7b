package syslogout

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/syslogrecv"
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
		{name: "missing ca", o: TLSOptions{CAFile: filepath.Join(dir, "nope.pem")}, def: "h:1", wantErr: "read ca file"},
		{name: "ca without pem", o: TLSOptions{CAFile: garbage}, def: "h:1", wantErr: "holds no PEM certificate"},
		{name: "key mismatch", o: TLSOptions{CertFile: f.ClientCert, KeyFile: f.ServerKey}, def: "h:1", wantErr: "load client certificate"},
		{name: "no name", def: "", wantErr: "no server name"},
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
