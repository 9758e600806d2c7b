package realrecv

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
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

// dial connects to addr, over TLS when cfg is not nil (completing the handshake). A handshake reset by the
// receiver is tried again, up to three times: rsyslog 8.2302 can close a new session by mistake (see finish), and
// nothing was sent yet.
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
	for attempt := 1; ; attempt++ {
		c, err := (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(t.Context(), "tcp", addr)
		if err == nil {
			return c
		}
		if !errors.Is(err, syscall.ECONNRESET) || attempt == 3 {
			t.Fatalf("dial tls %s: %v", addr, err)
		}
		t.Logf("dial tls %s: %v; trying again", addr, err)
		time.Sleep(sessionSettle)
	}
}

// send writes the framed messages on one new connection, ends the stream and waits until the receiver has closed
// its side (finish).
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
	finish(t, c)
}

// finish ends the stream (FIN, or close_notify over TLS), waits until the receiver closes the connection (then it
// has read everything) and a little longer. rsyslog 8.2302's imtcp can close a session twice (two worker threads
// at once: "epoll_ctl failed ... Bad file descriptor"; fixed upstream by rsyslog pull request 5806), and the
// second close hits the connection that got the descriptor meanwhile: a connection opened right after another one
// ended can be reset or lose its messages. A reset or another error also counts as closed (syslog-ng drops a
// connection with a bad frame).
func finish(t *testing.T, c net.Conn) {
	t.Helper()
	var err error
	switch cc := c.(type) {
	case *tls.Conn:
		err = cc.CloseWrite()
	case *net.TCPConn:
		err = cc.CloseWrite()
	}
	if err != nil {
		t.Fatalf("end the stream to %s: %v", c.RemoteAddr(), err)
	}
	if err := c.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s kept the connection open %s after the end of the stream", c.RemoteAddr(), ioTimeout)
	}
	time.Sleep(sessionSettle)
}

// sessionSettle is how long finish waits after the receiver closed a session, for a second close of it to be over.
const sessionSettle = 50 * time.Millisecond

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
