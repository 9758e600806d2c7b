package realrecv

import (
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// ioTimeout bounds every network operation of the test clients.
const ioTimeout = 5 * time.Second

// framing of a test message on a stream.
type framing int

const (
	octet framing = iota // RFC 6587 octet counting: "<len> <msg>"
	lf                   // msg + "\n"
)

func (f framing) frame(msg []byte) []byte {
	if f == lf {
		return append(append([]byte{}, msg...), '\n')
	}
	return append([]byte(strconv.Itoa(len(msg))+" "), msg...)
}

// dial connects to addr, over TLS when cfg is not nil (completing the handshake).
func dial(t *testing.T, addr string, cfg *tls.Config) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout}
	if cfg == nil {
		c, err := d.DialContext(t.Context(), "tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		return c
	}
	c, err := (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatalf("dial tls %s: %v", addr, err)
	}
	return c
}

// send writes the framed messages on one new connection and closes it.
func send(t *testing.T, addr string, cfg *tls.Config, f framing, msgs ...[]byte) {
	t.Helper()
	c := dial(t, addr, cfg)
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := c.Write(f.frame(m)); err != nil {
			t.Fatalf("write to %s: %v", addr, err)
		}
	}
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.CloseWrite(); err != nil {
			t.Fatalf("tls close-notify: %v", err)
		}
	}
}

// expectRejected writes msg on an established connection and expects the server to close it with an error
// (e.g. a TLS alert for a missing client certificate) instead of going quiet.
func expectRejected(t *testing.T, c net.Conn, msg []byte) {
	t.Helper()
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write(octet.frame(msg)) // may fail already: the alert can arrive first
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("server kept the connection: read err = %v", err)
	}
	t.Logf("rejected as expected: %v", err)
}

func tlsConfig(t *testing.T, c Certs, clientCert bool, version uint16) *tls.Config {
	t.Helper()
	cfg := c.ClientTLSConfig(clientCert)
	if version != 0 {
		cfg.MinVersion, cfg.MaxVersion = version, version
	}
	return cfg
}
