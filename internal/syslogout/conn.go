package syslogout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// writeChunk is the size of one write: big enough to amortise syscalls (and TLS records), small enough that the
// per-write deadline measures progress rather than the size of the batch.
const writeChunk = 256 << 10

// tlsProbeRead bounds the read that processes records the server sent on an established TLS connection (session
// tickets, close_notify, alerts) when the socket probe found pending bytes.
const tlsProbeRead = 20 * time.Millisecond

type peerState int

const (
	peerAlive peerState = iota // nothing to read, the connection is open
	peerGone                   // the peer closed (FIN) or reset the connection
	peerData                   // bytes are waiting (TLS records)
)

// errPeerClosed is returned by probe when the peer closed the connection.
var errPeerClosed = errors.New("peer closed the connection")

// conn is one established connection.
type conn struct {
	nc  net.Conn     // what Send writes to: *net.TCPConn, *tls.Conn or *net.UDPConn
	tcp *net.TCPConn // the socket under nc; nil for UDP
	tls *tls.Conn    // nil unless TLS

	certRequested bool // the TLS server asked for a client certificate during the handshake
}

// dial establishes a connection: TCP connect, then for TLS the handshake and, if the server asked for a client
// certificate, a short wait for its verdict. DialTimeout bounds the whole.
func (c *Client) dial(ctx context.Context) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.DialTimeout)
	defer cancel()
	if c.o.Protocol == ProtocolUDP {
		nc, err := c.dialer.DialContext(ctx, "udp", c.addr)
		if err != nil {
			return nil, fmt.Errorf("dial udp %s: %w", c.addr, err)
		}
		return &conn{nc: nc}, nil
	}
	nc, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("dial tcp %s: %w", c.addr, err)
	}
	cn := &conn{nc: nc, tcp: nc.(*net.TCPConn)}
	if c.o.Protocol != ProtocolTLS {
		return cn, nil
	}

	cfg := c.tlsConf.Clone()
	getCert, certs := cfg.GetClientCertificate, cfg.Certificates
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		cn.certRequested = true // called synchronously from HandshakeContext below
		if getCert != nil {
			return getCert(cri)
		}
		for i := range certs { // what crypto/tls does without a callback
			if cri.SupportsCertificate(&certs[i]) == nil {
				return &certs[i], nil
			}
		}
		return new(tls.Certificate), nil
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		// TLS 1.2 rejects the client certificate inside the handshake, with a certificate alert or (Go, OpenSSL:
		// no certificate sent) a generic handshake_failure after the server asked for one.
		if isCertAlert(err) || (cn.certRequested && isAlert(err, alertHandshakeFailure)) {
			err = fmt.Errorf("%w: %w", ErrClientCertRejected, err)
		}
		return nil, fmt.Errorf("tls handshake with %s: %w", c.addr, err)
	}
	cn.nc, cn.tls = tc, tc
	if cn.certRequested {
		if err := cn.awaitCertVerdict(ctx, c.o.CertVerdictWait); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("tls with %s: %w", c.addr, err)
		}
	}
	return cn, nil
}

// awaitCertVerdict reads for up to wait after a handshake in which the server asked for a client certificate. A
// TLS 1.3 server that rejects the certificate answers our Finished with an alert (Go: "certificate required", "bad
// certificate") or just closes (rsyslog/OpenSSL: reset); silence means accepted.
func (cn *conn) awaitCertVerdict(ctx context.Context, wait time.Duration) error {
	dl := time.Now().Add(wait)
	if cd, ok := ctx.Deadline(); ok && cd.Before(dl) {
		dl = cd
	}
	_ = cn.tls.SetReadDeadline(dl)
	defer cn.tls.SetReadDeadline(time.Time{}) //nolint:errcheck // a failure shows up on the next I/O
	var b [1]byte
	_, err := cn.tls.Read(b[:])
	var ne net.Error
	switch {
	case err == nil: // the server spoke first; not a syslog habit, but not a rejection either
		return nil
	case errors.As(err, &ne) && ne.Timeout():
		return nil
	case isCertAlert(err):
		return fmt.Errorf("%w: %w", ErrClientCertRejected, err)
	default:
		return fmt.Errorf("%w (the server closed the connection right after asking for a client certificate): %w",
			ErrClientCertRejected, err)
	}
}

// probe reports whether the connection can still be written to: nil when alive, errPeerClosed (wrapped) when the
// peer already closed it, another error when it was reset or a TLS alert arrived. UDP has nothing to probe.
func (cn *conn) probe() error {
	if cn.tcp == nil {
		return nil
	}
	rc, err := cn.tcp.SyscallConn()
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	var st peerState
	var perr error
	if err := rc.Read(func(fd uintptr) bool {
		st, perr = peekPeer(fd, cn.tls == nil)
		return true
	}); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	switch st {
	case peerAlive:
		return nil
	case peerGone:
		if perr != nil {
			return fmt.Errorf("probe: %w", perr)
		}
		return errPeerClosed
	}
	// TLS records are waiting: let crypto/tls process them (session tickets are harmless; close_notify and alerts
	// are not) and stop at the first read that would block.
	_ = cn.tls.SetReadDeadline(time.Now().Add(tlsProbeRead))
	defer cn.tls.SetReadDeadline(time.Time{}) //nolint:errcheck // a failure shows up on the next I/O
	var b [512]byte
	_, err = cn.tls.Read(b[:])
	var ne net.Error
	switch {
	case err == nil, errors.As(err, &ne) && ne.Timeout():
		return nil
	case err == io.EOF:
		return fmt.Errorf("%w (close_notify)", errPeerClosed)
	case isCertAlert(err):
		return fmt.Errorf("probe: %w: %w", ErrClientCertRejected, err)
	default:
		return fmt.Errorf("probe: %w", err)
	}
}

// write writes the batch: the buffer in chunks (TCP, TLS) or one datagram per frame (UDP), each write under
// min(now+WriteTimeout, ctx deadline). Cancelling ctx interrupts a blocked write.
func (cn *conn) write(ctx context.Context, b *Batch, writeTimeout time.Duration) error {
	var mu sync.Mutex // orders the cancel callback against the per-write deadlines
	cancelled := false
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		cancelled = true
		_ = cn.nc.SetWriteDeadline(time.Unix(1, 0))
		mu.Unlock()
		close(fired)
	})
	defer func() {
		if !stop() {
			<-fired // the callback runs or ran: let it finish before the connection may serve the next Send
		}
	}()
	ctxDeadline, hasDeadline := ctx.Deadline()
	arm := func() error {
		mu.Lock()
		defer mu.Unlock()
		if cancelled {
			return context.Cause(ctx)
		}
		dl := time.Now().Add(writeTimeout)
		if hasDeadline && ctxDeadline.Before(dl) {
			dl = ctxDeadline
		}
		return cn.nc.SetWriteDeadline(dl)
	}
	wrap := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", context.Cause(ctx), err)
		}
		return err
	}

	if cn.tcp == nil { // UDP: datagrams rarely block, one deadline for the batch
		if err := arm(); err != nil {
			return err
		}
		start := 0
		for i, end := range b.Ends {
			if _, err := cn.nc.Write(b.Buf[start:end]); err != nil {
				if errors.Is(err, syscall.EMSGSIZE) {
					return Permanent(fmt.Errorf("datagram %d of %d bytes: %w", i, end-start, err))
				}
				return wrap(fmt.Errorf("datagram %d: %w", i, err))
			}
			start = end
		}
		return nil
	}
	for off := 0; off < len(b.Buf); {
		if err := arm(); err != nil {
			return err
		}
		end := min(off+writeChunk, len(b.Buf))
		n, err := cn.nc.Write(b.Buf[off:end])
		off += n
		if err != nil {
			return wrap(fmt.Errorf("after %d of %d bytes: %w", off, len(b.Buf), err))
		}
	}
	return nil
}

// closeNow closes the socket without a TLS close_notify: for broken connections, where the alert could only block.
func (cn *conn) closeNow() {
	if cn.tcp != nil {
		_ = cn.tcp.Close()
		return
	}
	_ = cn.nc.Close()
}

// close closes gracefully (TLS: close_notify, RFC 5425 §4.4).
func (cn *conn) close() { _ = cn.nc.Close() }
