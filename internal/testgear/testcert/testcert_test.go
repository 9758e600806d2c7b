package testcert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"testing"
)

func TestMutualHandshake(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range ServerNames {
		t.Run(name, func(t *testing.T) {
			cc, sc := net.Pipe()
			defer cc.Close()
			defer sc.Close()
			srv := tls.Server(sc, b.ServerConfig(true))
			errc := make(chan error, 1)
			go func() { errc <- srv.HandshakeContext(t.Context()) }()
			cfg := b.ClientConfig(true)
			cfg.ServerName = name
			cli := tls.Client(cc, cfg)
			if err := cli.HandshakeContext(t.Context()); err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("server handshake: %v", err)
			}
			if got := srv.ConnectionState().PeerCertificates; len(got) == 0 || got[0].Subject.CommonName != "siemship test client" {
				t.Fatalf("server saw client certificates %v", got)
			}
		})
	}
}

func TestWrongNameFails(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(b.Server.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: b.Pool, DNSName: "example.org"}); err == nil {
		t.Fatal("server certificate verified for example.org")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: b.Pool, DNSName: "localhost"}); err != nil {
		t.Fatalf("server certificate for localhost: %v", err)
	}
}

func TestWriteFiles(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.LoadX509KeyPair(f.ServerCert, f.ServerKey); err != nil {
		t.Errorf("server pair: %v", err)
	}
	if _, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey); err != nil {
		t.Errorf("client pair: %v", err)
	}
	data, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "CERTIFICATE" {
		t.Fatalf("ca.pem is not a PEM certificate")
	}
	st, err := os.Stat(f.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("client key mode %v, want 0600", st.Mode().Perm())
	}
}
