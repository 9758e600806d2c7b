package config

import (
	"errors"
	"fmt"

	"github.com/siemship/siemship/internal/sink/syslog"
)

// tlsOptions are the TLS files of the configuration, for the syslog sink's checks.
func (c *Config) tlsOptions() syslog.TLSOptions {
	s := &c.Syslog
	return syslog.TLSOptions{CAFile: s.TLSCAFile, CertFile: s.TLSCertFile, KeyFile: s.TLSKeyFile}
}

// tlsFileField is the setting that names a TLS file.
func (c *Config) tlsFileField(f syslog.TLSFile) *string {
	switch f {
	case syslog.TLSFileCert:
		return &c.TLSCertFile
	case syslog.TLSFileKey:
		return &c.TLSKeyFile
	}
	return &c.TLSCAFile
}

// tlsFiles reports the problems the syslog sink finds in the TLS files (it reads them), each against its variable.
func (v *validator) tlsFiles() {
	for _, e := range syslog.CheckTLSFiles(v.c.tlsOptions()) {
		v.bad(v.c.tlsFileField(e.File), e.Msg)
	}
}

// tlsFileWarnings returns one line per TLS file that works but is unsafe (a private key others can read).
func (c *Config) tlsFileWarnings() []string {
	var w []string
	for _, e := range syslog.TLSFileWarnings(c.tlsOptions()) {
		w = append(w, fmt.Sprintf("%s=%s %s", c.name(c.tlsFileField(e.File)), e.Path, e.Msg))
	}
	return w
}

// TLSFileError returns err as a *VarError naming the variable when it is a *syslog.TLSFileError (a TLS file
// that changed after Load checked it), and unchanged otherwise.
func (c *Config) TLSFileError(err error) error {
	var fe *syslog.TLSFileError
	if !errors.As(err, &fe) {
		return err
	}
	return &VarError{Name: c.name(c.tlsFileField(fe.File)), Value: fe.Path, Msg: fe.Msg}
}
