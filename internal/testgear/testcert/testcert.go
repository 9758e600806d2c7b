// Package testcert generates a throw-away PKI for tests, benchmarks and `siemship demo`: a CA, a server certificate
// for localhost / 127.0.0.1 / ::1 and a client certificate for mutual TLS, all ECDSA P-256 and valid for one day.
// Never use these certificates for anything but local testing: the keys live in memory and in the files written by
// WriteFiles, unprotected.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Bundle is a CA with one server and one client certificate signed by it. The PEM fields hold the same material as
// the parsed fields.
type Bundle struct {
	CAPEM         []byte
	ServerCertPEM []byte
	ServerKeyPEM  []byte
	ClientCertPEM []byte
	ClientKeyPEM  []byte

	CA     *x509.Certificate
	Pool   *x509.CertPool // contains only CA
	Server tls.Certificate
	Client tls.Certificate
}

// Files are the paths written by WriteFiles.
type Files struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// ServerNames are the DNS names and IP addresses in the server certificate.
var ServerNames = []string{"localhost", "127.0.0.1", "::1"}

// New generates a fresh bundle. It takes a few milliseconds.
func New() (*Bundle, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ca key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "siemship test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create ca certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse ca certificate: %w", err)
	}
	b := &Bundle{CA: ca, Pool: x509.NewCertPool(), CAPEM: pemBlock("CERTIFICATE", caDER)}
	b.Pool.AddCert(ca)

	srvTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range ServerNames {
		if ip := net.ParseIP(n); ip != nil {
			srvTmpl.IPAddresses = append(srvTmpl.IPAddresses, ip)
		} else {
			srvTmpl.DNSNames = append(srvTmpl.DNSNames, n)
		}
	}
	if b.Server, b.ServerCertPEM, b.ServerKeyPEM, err = leaf(srvTmpl, ca, caKey); err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}

	cliTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "siemship test client"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if b.Client, b.ClientCertPEM, b.ClientKeyPEM, err = leaf(cliTmpl, ca, caKey); err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	return b, nil
}

// ServerConfig returns a server configuration presenting the server certificate. With requireClientCert the server
// demands a client certificate signed by the CA (mutual TLS).
func (b *Bundle) ServerConfig(requireClientCert bool) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{b.Server}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = b.Pool
	}
	return c
}

// ClientConfig returns a client configuration trusting the CA, verifying ServerName "localhost" and, with
// withClientCert, presenting the client certificate.
func (b *Bundle) ClientConfig(withClientCert bool) *tls.Config {
	c := &tls.Config{RootCAs: b.Pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if withClientCert {
		c.Certificates = []tls.Certificate{b.Client}
	}
	return c
}

// WriteFiles writes the CA certificate and both key pairs as PEM files into dir (ca.pem, server-cert.pem,
// server-key.pem, client-cert.pem, client-key.pem; keys with mode 0600).
func (b *Bundle) WriteFiles(dir string) (Files, error) {
	f := Files{
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server-cert.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client-cert.pem"),
		ClientKey:  filepath.Join(dir, "client-key.pem"),
	}
	for _, w := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{f.CA, b.CAPEM, 0o644},
		{f.ServerCert, b.ServerCertPEM, 0o644},
		{f.ServerKey, b.ServerKeyPEM, 0o600},
		{f.ClientCert, b.ClientCertPEM, 0o644},
		{f.ClientKey, b.ClientKeyPEM, 0o600},
	} {
		if err := os.WriteFile(w.path, w.data, w.mode); err != nil {
			return Files{}, fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return f, nil
}

func leaf(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (tls.Certificate, []byte, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("marshal key: %w", err)
	}
	certPEM, keyPEM := pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, nil, fmt.Errorf("load key pair: %w", err)
	}
	return pair, certPEM, keyPEM, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(fmt.Sprintf("testcert: crypto/rand failed: %v", err)) // crypto/rand never fails on supported platforms
	}
	return n
}
