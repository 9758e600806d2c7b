package e2e

import (
	"crypto/tls"
	"testing"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

// startSink starts the test's SIEM (harness.Sink) with a collector, so that verify can read every message.
func startSink(t testing.TB, o syslogrecv.Options) *harness.Sink {
	return harness.StartSink(t, o, true)
}

// tlsFiles is a throw-away PKI written to a temporary directory.
type tlsFiles struct {
	bundle *testcert.Bundle
	files  testcert.Files
}

func newTLS(t testing.TB) tlsFiles {
	t.Helper()
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return tlsFiles{bundle: b, files: f}
}

// server is the receiver's configuration; with mutual it demands a client certificate signed by the CA.
func (p tlsFiles) server(mutual bool) *tls.Config { return p.bundle.ServerConfig(mutual) }

// env is siemship's configuration trusting the CA, presenting the client certificate when mutual.
func (p tlsFiles) env(mutual bool) []string {
	env := []string{"SYSLOG_TLS_CA_FILE=" + p.files.CA}
	if mutual {
		env = append(env, "SYSLOG_TLS_CERT_FILE="+p.files.ClientCert, "SYSLOG_TLS_KEY_FILE="+p.files.ClientKey)
	}
	return env
}
