package syslog

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
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

// TLSFile names one of the files of TLSOptions.
type TLSFile string

// The files of TLSOptions.
const (
	TLSFileCA   TLSFile = "CA"
	TLSFileCert TLSFile = "client certificate"
	TLSFileKey  TLSFile = "client key"
)

// TLSFileError is a problem with one of the files of TLSOptions: Msg says what is wrong and how to fix it, without
// the path (the caller names the setting). It is also what CheckTLSFiles and TLSFileWarnings return.
type TLSFileError struct {
	File TLSFile
	Path string
	Msg  string
	Err  error // the underlying error, when there is one
}

func (e *TLSFileError) Error() string {
	return fmt.Sprintf("tls: %s file %s: %s", e.File, e.Path, e.Msg)
}
func (e *TLSFileError) Unwrap() error { return e.Err }

// maxPEMFile bounds what a TLS file may hold; CA bundles (the system's is about 200 KiB) and keys are smaller.
const maxPEMFile = 1 << 20

// ValidateServerName checks TLSOptions.ServerName: a name without spaces or control characters, which no
// certificate could match; "" means the host dialled.
func ValidateServerName(name string) error {
	for _, r := range name {
		if r <= ' ' || r == 0x7f || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 {
			return errors.New("must not contain spaces or control characters")
		}
	}
	return nil
}

// NewTLSConfig builds a client configuration: TLS 1.2 minimum, the system roots or the CA file, the client
// certificate if given, and ServerName = o.ServerName or else the host of defaultServerName (a host or host:port).
// A problem with a file is a *TLSFileError.
func NewTLSConfig(o TLSOptions, defaultServerName string) (*tls.Config, error) {
	if err := ValidateServerName(o.ServerName); err != nil {
		return nil, fmt.Errorf("tls: server name %q: %w", o.ServerName, err)
	}
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
		pool, err := loadCA(o.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	switch {
	case o.CertFile != "" && o.KeyFile != "":
		pair, err := loadKeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, err
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

// CheckTLSFiles reads and parses the files of o as NewTLSConfig does and returns every problem (nil when there is
// none): unreadable files, files without the expected PEM blocks, a key that does not belong to the certificate.
func CheckTLSFiles(o TLSOptions) []*TLSFileError {
	var errs []*TLSFileError
	if o.CAFile != "" {
		if _, err := loadCA(o.CAFile); err != nil {
			errs = append(errs, err)
		}
	}
	certPEM, certErr := loadCertPEM(o.CertFile)
	keyPEM, keyErr := loadKeyPEM(o.KeyFile)
	for _, err := range []*TLSFileError{certErr, keyErr} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if certPEM != nil && keyPEM != nil {
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			errs = append(errs, &TLSFileError{File: TLSFileKey, Path: o.KeyFile, Err: err,
				Msg: fmt.Sprintf("is not the private key of the client certificate (%v); use the key that was created with that certificate", err)})
		}
	}
	return errs
}

// TLSFileWarnings returns the problems of o's files that do not stop siemship: a private key that users other
// than its owner can read. A key owned by root may be readable by its group (mode 0640 or 0440): that is how
// Kubernetes gives a non-root process a Secret (fsGroup) and how Debian's ssl-cert group works.
func TLSFileWarnings(o TLSOptions) []*TLSFileError {
	if o.KeyFile == "" {
		return nil
	}
	fi, err := os.Stat(o.KeyFile)
	if err != nil {
		return nil // CheckTLSFiles reports it
	}
	mode := fi.Mode().Perm()
	if mode&0o007 == 0 && (mode&0o070 == 0 || ownedByRoot(fi)) {
		return nil
	}
	return []*TLSFileError{{File: TLSFileKey, Path: o.KeyFile,
		Msg: fmt.Sprintf("is readable by group or others (mode %04o); a private key should be readable by siemship's user only: chmod 600 %s (in Kubernetes: defaultMode: 0400, or 0440 with fsGroup, on the Secret volume)", mode, o.KeyFile)}}
}

// loadCA reads a PEM CA bundle.
func loadCA(path string) (*x509.CertPool, *TLSFileError) {
	data, err := readTLSFile(TLSFileCA, path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, &TLSFileError{File: TLSFileCA, Path: path,
			Msg: "holds no PEM certificate; it must hold the certificate(s) of the CA that signed the receiver's certificate, as -----BEGIN CERTIFICATE----- blocks"}
	}
	return pool, nil
}

// loadKeyPair reads the client certificate and its key.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, *TLSFileError) {
	certPEM, err := loadCertPEM(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := loadKeyPEM(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, perr := tls.X509KeyPair(certPEM, keyPEM)
	if perr != nil {
		return tls.Certificate{}, &TLSFileError{File: TLSFileKey, Path: keyFile, Err: perr,
			Msg: fmt.Sprintf("is not the private key of the client certificate (%v); use the key that was created with that certificate", perr)}
	}
	return pair, nil
}

// loadCertPEM reads a client certificate file (nil, nil when path is empty) and checks that its first PEM block is a
// certificate that parses.
func loadCertPEM(path string) ([]byte, *TLSFileError) {
	if path == "" {
		return nil, nil
	}
	data, err := readTLSFile(TLSFileCert, path)
	if err != nil {
		return nil, err
	}
	fail := func(msg string, err error) ([]byte, *TLSFileError) {
		return nil, &TLSFileError{File: TLSFileCert, Path: path, Msg: msg, Err: err}
	}
	block, _ := pem.Decode(data)
	switch {
	case block == nil:
		return fail("holds no PEM data; it must hold the client certificate (and its chain) as -----BEGIN CERTIFICATE----- blocks", nil)
	case strings.HasSuffix(block.Type, "PRIVATE KEY"):
		return fail("holds a private key, not a certificate; are the certificate and key files swapped?", nil)
	case block.Type != "CERTIFICATE":
		return fail(fmt.Sprintf("holds a %s, not a certificate; it must hold the client certificate as -----BEGIN CERTIFICATE----- blocks", block.Type), nil)
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return fail(fmt.Sprintf("holds a certificate that does not parse (%v); export it again as PEM", err), err)
	}
	return data, nil
}

// loadKeyPEM reads a private key file (nil, nil when path is empty) and checks that it holds an unencrypted PEM
// private key.
func loadKeyPEM(path string) ([]byte, *TLSFileError) {
	if path == "" {
		return nil, nil
	}
	data, err := readTLSFile(TLSFileKey, path)
	if err != nil {
		return nil, err
	}
	fail := func(msg string) ([]byte, *TLSFileError) {
		return nil, &TLSFileError{File: TLSFileKey, Path: path, Msg: msg}
	}
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		switch {
		case block == nil:
			return fail("holds no PEM private key; it must hold the key of the client certificate as a -----BEGIN PRIVATE KEY----- (or RSA or EC PRIVATE KEY) block")
		case block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] == "4,ENCRYPTED":
			return fail("holds an encrypted private key, which siemship cannot use; decrypt it: openssl pkey -in encrypted.pem -out key.pem")
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			return data, nil
		}
	}
}

// readTLSFile reads one of the TLS files, with a message for each way that can fail.
func readTLSFile(which TLSFile, path string) ([]byte, *TLSFileError) {
	fail := func(msg string, err error) ([]byte, *TLSFileError) {
		return nil, &TLSFileError{File: which, Path: path, Msg: msg, Err: err}
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail("no such file; check the path (in Kubernetes: the mountPath of the Secret volume and the key's name in it)", err)
	case errors.Is(err, fs.ErrPermission):
		return fail(fmt.Sprintf("cannot be reached by siemship's user (uid %d): %v; grant it search permission on the directories", os.Getuid(), err), err)
	case err != nil:
		return fail(fmt.Sprintf("cannot be read: %v", err), err)
	case fi.IsDir():
		return fail("is a directory; set the path of the PEM file in it", nil)
	case !fi.Mode().IsRegular():
		return fail("is not a regular file; set the path of a PEM file", nil)
	case fi.Size() > maxPEMFile:
		return fail(fmt.Sprintf("is %d bytes, more than a PEM file of certificates or keys would hold (1 MiB); is it the right file?", fi.Size()), nil)
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fail(fmt.Sprintf("cannot be read by siemship's user (uid %d); make it readable by that user (chown, chmod, or fsGroup in Kubernetes)", os.Getuid()), err)
	case err != nil:
		return fail(fmt.Sprintf("cannot be read: %v", err), err)
	}
	return data, nil
}
