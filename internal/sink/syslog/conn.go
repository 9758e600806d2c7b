package syslog

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

	"github.com/siemship/siemship/internal/message"
)

// writeChunk is the size of one write: big enough to amortise syscalls (and TLS records), small enough that the
// per-write deadline measures progress rather than the size of the batch.
const writeChunk = 256 << 10

// tlsProbeRead bounds the reads that process records the server sent on an established TLS connection (session
// tickets, close_notify, alerts, a RELP serverclose) when the socket probe found pending bytes, in reads of
// tlsProbeStep each. One 20 ms read was the rule before; on a loaded machine it could time out before it ran and a
// pending serverclose was taken for a live session (a likely cause of one relp-tls failure after a receiver
// restart, not reproduced).
const (
	tlsProbeRead = 250 * time.Millisecond
	tlsProbeStep = 20 * time.Millisecond
)

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

	relp *relpSession // nil unless RELP

	// unverified: the last batch on the connection was confirmed in write or ack mode, and the connection has not
	// been seen alive since. Only the Send or sweep holding the slot touches it.
	unverified bool
	// resetErr is a reset that awaitAcked read from SO_ERROR (reading it clears it) after every byte was
	// acknowledged; the next probe reports it.
	resetErr error
}

// dial establishes a connection: TCP connect, then for TLS the handshake and, if the server asked for a client
// certificate, a short wait for its verdict, then for RELP the open exchange. DialTimeout bounds the whole.
func (c *Client) dial(ctx context.Context, d *dest) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.DialTimeout)
	defer cancel()
	cn, err := c.dialTransport(ctx, d)
	if err != nil || !c.o.Protocol.isRELP() {
		return cn, err
	}
	cn.relp = &relpSession{}
	if err := cn.relp.open(ctx, cn.nc); err != nil {
		cn.closeNow()
		// RELP over TLS 1.3: a server that refuses the client certificate closes right after the handshake.
		if cn.certRequested && !errors.As(err, new(*RELPRefusedError)) && !errors.Is(err, errRELPProtocol) {
			err = fmt.Errorf("%w: %w", ErrClientCertRejected, err)
		}
		return nil, fmt.Errorf("relp session with %s: %w", d.addr, err)
	}
	return cn, nil
}

// dialTransport connects TCP or UDP and does the TLS handshake.
func (c *Client) dialTransport(ctx context.Context, d *dest) (*conn, error) {
	if c.o.Protocol == ProtocolUDP {
		nc, err := c.dialer.DialContext(ctx, "udp", d.addr)
		if err != nil {
			return nil, dialError("udp", d.addr, err)
		}
		return &conn{nc: nc}, nil
	}
	nc, err := c.dialer.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, dialError("tcp", d.addr, err)
	}
	cn := &conn{nc: nc, tcp: nc.(*net.TCPConn)}
	if !c.o.Protocol.isTLS() {
		return cn, nil
	}

	cfg := d.tlsConf.Clone()
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
		return nil, fmt.Errorf("tls handshake with %s: %w", d.addr, err)
	}
	cn.nc, cn.tls = tc, tc
	if cn.certRequested {
		if err := cn.awaitCertVerdict(ctx, c.o.CertVerdictWait); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("tls with %s: %w", d.addr, err)
		}
	}
	return cn, nil
}

// dialError adds the network and address to a failed dial, unless net's own error already says them ("dial tcp
// host:port: connect: connection refused").
func dialError(network, addr string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return err
	}
	return fmt.Errorf("dial %s %s: %w", network, addr, err)
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
	if cn.resetErr != nil {
		return fmt.Errorf("probe: %w", cn.resetErr)
	}
	rc, err := cn.tcp.SyscallConn()
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	var st peerState
	var perr error
	if err := rc.Read(func(fd uintptr) bool {
		st, perr = peekPeer(fd, cn.tls == nil && cn.relp == nil)
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
	if cn.relp != nil && cn.tls == nil {
		// Between batches every command is answered: what the server sends now can only be serverclose.
		return fmt.Errorf("%w (unsolicited RELP data, serverclose)", errPeerClosed)
	}
	// TLS records are waiting: let crypto/tls process them (session tickets are harmless; close_notify, alerts and
	// a RELP serverclose are not), in short reads while the socket still holds bytes. A read that times out with
	// nothing left saw only harmless records; one that times out with bytes still there was delayed (a loaded
	// machine) and is tried again, up to tlsProbeRead in all.
	defer cn.tls.SetReadDeadline(time.Time{}) //nolint:errcheck // a failure shows up on the next I/O
	giveUp := time.Now().Add(tlsProbeRead)
	var b [512]byte
	for {
		_ = cn.tls.SetReadDeadline(time.Now().Add(tlsProbeStep))
		n, err := cn.tls.Read(b[:])
		var ne net.Error
		switch {
		case n > 0 && cn.relp != nil:
			return fmt.Errorf("%w (unsolicited RELP data, serverclose)", errPeerClosed)
		case err == nil:
			return nil
		case errors.As(err, &ne) && ne.Timeout():
			if time.Now().After(giveUp) || !cn.pending(rc) {
				return nil
			}
		case err == io.EOF:
			return fmt.Errorf("%w (close_notify)", errPeerClosed)
		case isCertAlert(err):
			return fmt.Errorf("probe: %w: %w", ErrClientCertRejected, err)
		default:
			return fmt.Errorf("probe: %w", err)
		}
	}
}

// pending reports whether the socket still holds bytes to read.
func (cn *conn) pending(rc syscall.RawConn) bool {
	var st peerState
	if err := rc.Read(func(fd uintptr) bool {
		st, _ = peekPeer(fd, false)
		return true
	}); err != nil {
		return false
	}
	return st == peerData
}

// pendingError returns the socket's pending error (SO_ERROR, which reading clears), nil for UDP.
func (cn *conn) pendingError() error {
	if cn.tcp == nil {
		return nil
	}
	rc, err := cn.tcp.SyscallConn()
	if err != nil {
		return nil
	}
	var soErr error
	if err := rc.Control(func(fd uintptr) { soErr = socketError(fd) }); err != nil {
		return nil
	}
	return soErr
}

// write writes the batch: the buffer in chunks (TCP, TLS) or one datagram per frame (UDP), each write under
// min(now+WriteTimeout, ctx deadline). Cancelling ctx interrupts a blocked write.
func (cn *conn) write(ctx context.Context, b *message.Batch, writeTimeout time.Duration) error {
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

// ackPoll bounds the polling interval of awaitAcked.
const (
	ackPollMin = 50 * time.Microsecond
	ackPollMax = 10 * time.Millisecond
)

// awaitAcked waits until the peer's kernel acknowledged every byte written (the send queue is empty), for at most
// timeout (and ctx). It proves the bytes reached the receiver's host, not that its application read them.
func (cn *conn) awaitAcked(ctx context.Context, timeout time.Duration) error {
	rc, err := cn.tcp.SyscallConn()
	if err != nil {
		return fmt.Errorf("await ack: %w", err)
	}
	dl := time.Now().Add(timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(dl) {
		dl = cd
	}
	var t *time.Timer
	for wait := ackPollMin; ; wait = min(2*wait, ackPollMax) {
		var q int
		var qerr, soErr error
		if err := rc.Control(func(fd uintptr) { q, qerr = sendQueue(fd); soErr = socketError(fd) }); err != nil {
			return fmt.Errorf("await ack: %w", err)
		}
		if qerr != nil {
			return fmt.Errorf("await ack: read send queue: %w", qerr)
		}
		if q == 0 {
			cn.resetErr = soErr // acknowledged, then reset: the receiver may have thrown it away unread
			return nil
		}
		if soErr != nil {
			// Reset by the receiver (it died or closed without reading): the queued bytes will never be
			// acknowledged, so fail now instead of at the write timeout.
			return fmt.Errorf("await ack: %d bytes unacknowledged: %w", q, soErr)
		}
		if !time.Now().Before(dl) {
			return fmt.Errorf("await ack: %d bytes still unacknowledged by the receiver after %v", q, timeout)
		}
		if t == nil {
			t = time.NewTimer(wait)
			defer t.Stop()
		} else {
			t.Reset(wait)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("await ack: %d bytes unacknowledged: %w", q, context.Cause(ctx))
		}
	}
}

// closeAndAwaitEOF half-closes the connection (TLS: close_notify, then FIN) and reads until the receiver closes its
// side, for at most timeout (and ctx). A receiver that closes on EOF does so after reading everything before our
// FIN, so EOF proves the application read the whole batch; a reset means it did not. Whatever the receiver sends
// meanwhile is discarded.
func (cn *conn) closeAndAwaitEOF(ctx context.Context, timeout time.Duration) error {
	g := newIOGuard(ctx, cn.nc, timeout)
	defer g.stop()
	if err := g.arm(); err != nil {
		return err
	}
	if cn.tls != nil {
		if err := cn.tls.CloseWrite(); err != nil {
			return g.wrap(fmt.Errorf("send close_notify: %w", err))
		}
	}
	if err := cn.tcp.CloseWrite(); err != nil {
		return g.wrap(fmt.Errorf("half-close: %w", err))
	}
	var b [512]byte
	for {
		if err := g.arm(); err != nil {
			return err
		}
		_, err := cn.nc.Read(b[:])
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), cn.tls != nil && errors.Is(err, io.ErrUnexpectedEOF):
			return nil // TLS: a receiver may close without close_notify after ours
		default:
			return g.wrap(fmt.Errorf("await the receiver's close: %w", err))
		}
	}
}
