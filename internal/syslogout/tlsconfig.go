package syslogout

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// TLSOptions describe the client side of a TLS connection. Paths point to PEM files.
type TLSOptions struct {
	CAFile   string // CA bundle for the server certificate; empty: the system roots
	CertFile string // client certificate (chain) for mutual TLS; needs KeyFile
	KeyFile  string
	// ServerName is verified against the server certificate and sent as SNI; empty: the host of the address.
	ServerName string
	// InsecureSkipVerify disables all server certificate checks. For tests only.
	InsecureSkipVerify bool
}

// NewTLSConfig builds a client configuration: TLS 1.2 minimum, the system roots or the CA file, the client
// certificate if given, and ServerName = o.ServerName or else the host of defaultServerName (a host or host:port).
func NewTLSConfig(o TLSOptions, defaultServerName string) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // explicit opt-in, documented as test-only
	}
	if cfg.ServerName == "" {
		cfg.ServerName = defaultServerName
		if host, _, err := net.SplitHostPort(defaultServerName); err == nil {
			cfg.ServerName = host
		}
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls: read ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls: ca file %s holds no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case o.CertFile != "" && o.KeyFile != "":
		pair, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: load client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case o.CertFile != "" || o.KeyFile != "":
		return nil, errors.New("tls: a client certificate needs both a certificate file and a key file")
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		return nil, errors.New("tls: no server name to verify")
	}
	return cfg, nil
}
