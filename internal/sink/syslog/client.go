package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/backoff"
	"github.com/siemship/siemship/internal/logsample"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/sink"
)

// Client sends batches to one of Options.Addrs over a pool of connections per destination. It is safe for
// concurrent use: each Send holds one connection for the whole batch, so up to Options.Connections batches are
// written in parallel and further Sends wait for a free connection. With several destinations each batch goes
// wholly to one of them, chosen by Options.Balance (balance.go).
type Client struct {
	o      Options
	log    *zap.Logger
	dialer net.Dialer
	dests  []*dest
	rr     atomic.Uint64 // round-robin position
	done   chan struct{} // closed by Close

	mu     sync.Mutex // guards slot.cn against Close, and closed
	closed bool

	st       counters
	resetLog logsample.Sampler // the warning about batches that a reset may have lost
}

// dest is one destination with its own pool, reconnect backoff and health.
type dest struct {
	idx     int
	addr    string
	log     *zap.Logger
	tlsConf *tls.Config
	bo      *backoff.Gate

	slots chan *slot // free slots; FIFO, so consecutive batches rotate over the pool
	all   []*slot

	health health     // for balancing over several destinations
	conns  connHealth // what its recent connections showed (connhealth.go)
}

// slot is one place in the pool. Only the Send holding the slot uses cn; Close may close it concurrently.
type slot struct {
	id        int
	cn        *conn
	connected bool // a connection was established once: the next dial is a reconnect
}

type counters struct {
	batches, frames, bytes                                   atomic.Uint64
	connects, reconnects, connectErrors, discards, peerClose atomic.Uint64
	peerResets, resetsAfterDelivery                          atomic.Uint64
	failovers                                                atomic.Uint64
}

// New validates o and returns a Client. It does not connect: connections are dialed by the first Sends (or use
// Check to fail fast).
func New(o Options) (*Client, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		o:        o,
		log:      o.Logger.With(zap.String("protocol", string(o.Protocol))),
		done:     make(chan struct{}),
		resetLog: logsample.Sampler{Every: resetLogEvery},
	}
	c.dialer = net.Dialer{
		KeepAliveConfig: net.KeepAliveConfig{
			Enable: true, Idle: o.KeepAlive, Interval: max(o.KeepAlive/3, time.Second), Count: 3,
		},
		Control: func(network, _ string, rc syscall.RawConn) error {
			if network != "tcp4" && network != "tcp6" {
				return nil
			}
			var serr error
			if err := rc.Control(func(fd uintptr) { serr = setUserTimeout(fd, o.WriteTimeout) }); err != nil {
				return err
			}
			if serr != nil {
				return fmt.Errorf("set TCP_USER_TIMEOUT: %w", serr)
			}
			return nil
		},
	}
	for i, addr := range o.Addrs {
		d := &dest{
			idx:   i,
			addr:  addr,
			log:   c.log.With(zap.String("addr", addr)),
			bo:    &backoff.Gate{Policy: backoff.Policy{Initial: backoffBase, Max: MaxReconnectWait}},
			slots: make(chan *slot, o.Connections),
		}
		if o.Protocol.isTLS() {
			d.tlsConf = o.TLS.Clone()
			if d.tlsConf.ServerName == "" {
				host, _, _ := net.SplitHostPort(addr)
				d.tlsConf.ServerName = host
			}
			if d.tlsConf.MinVersion < tls.VersionTLS12 {
				d.tlsConf.MinVersion = tls.VersionTLS12
			}
			// Bulk transfer: full-size records from the first byte instead of small ones for latency.
			d.tlsConf.DynamicRecordSizingDisabled = true
		}
		for j := range o.Connections {
			s := &slot{id: j}
			d.all = append(d.all, s)
			d.slots <- s
		}
		c.dests = append(c.dests, d)
	}
	return c, nil
}

// Send delivers the whole batch on one connection to one destination and returns nil only when the batch is
// confirmed: for TCP and TLS as Options.Confirm says (by default the receiver's kernel acked it all), for RELP
// when the receiver answered 200 to every frame, for UDP when every datagram was sent. Before writing it probes the
// connection and replaces one the peer has closed. On error the connection is discarded (the next Send dials a new
// one, after the reconnect backoff if dialing failed), the destination is marked down when there are others, and
// the caller resends the whole batch. A failed dial is returned, not retried: retrying is the caller's job.
//
// Send blocks while all connections are busy, until ctx is done. Errors marked permanent (IsPermanent) cannot be
// fixed by resending: an invalid batch, an oversize datagram, a closed Client.
func (c *Client) Send(ctx context.Context, b *message.Batch) error {
	if err := b.Validate(); err != nil {
		return Permanent(err)
	}
	if c.o.Protocol == ProtocolUDP {
		start := 0
		for i, end := range b.Ends {
			if end-start > c.o.MaxDatagram {
				return Permanent(fmt.Errorf("frame %d is %d bytes, over the UDP limit of %d", i, end-start, c.o.MaxDatagram))
			}
			start = end
		}
	}
	if len(b.Ends) == 0 {
		return nil
	}
	d := c.pick(ctx)
	err := c.sendTo(ctx, d, b)
	switch {
	case err == nil:
		c.markUp(d)
	case ctx.Err() == nil && !IsPermanent(err):
		c.markDown(d, err)
	}
	return err
}

// sendTo delivers the batch to destination d.
func (c *Client) sendTo(ctx context.Context, d *dest, b *message.Batch) error {
	s, err := c.acquire(ctx, d)
	if err != nil {
		return err
	}
	defer func() { d.slots <- s }()

	cn, err := c.ready(ctx, d, s)
	if err != nil {
		return err
	}
	if err := c.deliver(ctx, cn, b); err != nil {
		if se := cn.pendingError(); isReset(se) && !isReset(err) {
			err = fmt.Errorf("%w (%w)", err, se) // e.g. a half-close refused (ENOTCONN) because the receiver reset
		}
		if ctx.Err() == nil && !IsPermanent(err) {
			c.lost(d, err)
		}
		c.discard(d, s, cn, "delivery failed", err)
		return fmt.Errorf("send %d frames to %s: %w", len(b.Ends), d.addr, err)
	}
	switch {
	case cn.tcp == nil: // UDP: nothing to learn
	case cn.relp != nil:
		d.conns.survived() // the receiving daemon answered every frame
	case c.o.Confirm == ConfirmClose:
		d.conns.survived() // the receiver read everything and closed
		c.retire(s, cn)    // the connection ended with the batch
	default:
		cn.unverified = true // write, ack: whether the receiver reads it shows when the connection is used again
	}
	c.st.batches.Add(1)
	c.st.frames.Add(uint64(len(b.Ends)))
	c.st.bytes.Add(uint64(len(b.Buf)))
	return nil
}

// deliver writes the batch on cn and waits for its confirmation.
func (c *Client) deliver(ctx context.Context, cn *conn, b *message.Batch) error {
	if cn.relp != nil {
		return cn.relp.send(ctx, cn.nc, b, c.o.RELPWindow, c.o.WriteTimeout)
	}
	if err := cn.write(ctx, b, c.o.WriteTimeout); err != nil {
		return err
	}
	switch c.o.Confirm {
	case ConfirmAck:
		return cn.awaitAcked(ctx, c.o.WriteTimeout)
	case ConfirmClose:
		return cn.closeAndAwaitEOF(ctx, c.o.WriteTimeout)
	}
	return nil
}

// acquire takes a free slot of d.
func (c *Client) acquire(ctx context.Context, d *dest) (*slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("send: %w", context.Cause(ctx))
	}
	select {
	case <-c.done:
		return nil, ErrClosed
	default:
	}
	select {
	case s := <-d.slots:
		return s, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a free connection: %w", context.Cause(ctx))
	case <-c.done:
		return nil, ErrClosed
	}
}

// ready returns the slot's connection after a successful probe, or dials a new one.
func (c *Client) ready(ctx context.Context, d *dest, s *slot) (*conn, error) {
	if cn := c.reuse(d, s); cn != nil {
		return cn, nil
	}
	if err := d.bo.Wait(ctx); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d.addr, err)
	}
	cn, err := c.dial(ctx, d)
	if err != nil {
		if ctx.Err() == nil {
			c.lost(d, err)
		}
		c.st.connectErrors.Add(1)
		delay := d.bo.Failure()
		d.log.Warn("connect failed", zap.Int("conn", s.id), zap.Error(err), zap.Duration("next_attempt_in", delay))
		return nil, err
	}
	d.bo.Success()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cn.closeNow()
		return nil, ErrClosed
	}
	s.cn = cn
	c.mu.Unlock()
	c.st.connects.Add(1)
	if s.connected {
		c.st.reconnects.Add(1)
	}
	s.connected = true
	if c.o.Confirm == ConfirmClose {
		return cn, nil // a connection per batch: not worth a log line each
	}
	fields := []zap.Field{zap.Int("conn", s.id), zap.String("local", cn.nc.LocalAddr().String())}
	if cn.tls != nil {
		st := cn.tls.ConnectionState()
		fields = append(fields, zap.String("tls_version", tls.VersionName(st.Version)),
			zap.String("cipher", tls.CipherSuiteName(st.CipherSuite)), zap.Bool("client_cert_requested", cn.certRequested))
	}
	d.log.Info("connected", fields...)
	return cn, nil
}

// reuse probes the slot's connection and returns it when it is alive. A connection the receiver closed or reset is
// discarded (nil is returned), and what the probe showed goes into the destination's connection health.
func (c *Client) reuse(d *dest, s *slot) *conn {
	c.mu.Lock()
	cn := s.cn
	c.mu.Unlock()
	if cn == nil {
		return nil
	}
	err := cn.probe()
	switch {
	case err == nil:
		cn.unverified = false
		d.conns.survived()
		return cn
	case errors.Is(err, errPeerClosed):
		// A clean close: the receiver read everything we sent (an idle timeout, a graceful restart).
		c.st.peerClose.Add(1)
		d.conns.survived()
		c.discard(d, s, cn, "probe failed", err)
		return nil
	}
	c.lost(d, err)
	if isReset(err) && cn.unverified {
		// The batch written last was counted as delivered; the reset may have thrown it away unread. Sampled: a
		// receiver that resets every connection does so once per batch.
		c.st.resetsAfterDelivery.Add(1)
		if n, ok := c.resetLog.Allow(1); ok {
			d.log.Warn("the receiver reset a connection after a batch on it was counted as delivered: that batch is lost unless the receiver had read it; "+
				"this confirmation mode cannot tell nor resend it (close or relp can)",
				zap.String("confirm", string(c.o.Confirm)), zap.Uint64("resets", n), zap.Error(err))
		}
		c.discardQuietly(s, cn)
		return nil
	}
	c.discard(d, s, cn, "probe failed", err)
	return nil
}

// lost records a lost connection of d: a reset, a failed dial, probe or delivery.
func (c *Client) lost(d *dest, err error) {
	if isReset(err) {
		c.st.peerResets.Add(1)
	}
	d.conns.lost(err)
}

// discard closes a broken connection and empties its slot.
func (c *Client) discard(d *dest, s *slot, cn *conn, reason string, err error) {
	if c.discardQuietly(s, cn) {
		d.log.Warn("connection discarded", zap.Int("conn", s.id), zap.String("reason", reason), zap.Error(err))
	}
}

// discardQuietly is discard without the log line; it reports whether the client is still open.
func (c *Client) discardQuietly(s *slot, cn *conn) bool {
	c.mu.Lock()
	if s.cn == cn {
		s.cn = nil
	}
	closed := c.closed
	c.mu.Unlock()
	cn.closeNow()
	c.st.discards.Add(1)
	return !closed
}

// retire closes a connection that served its purpose (ConfirmClose: one batch) and empties its slot.
func (c *Client) retire(s *slot, cn *conn) {
	c.mu.Lock()
	if s.cn == cn {
		s.cn = nil
	}
	c.mu.Unlock()
	cn.closeNow()
}

// Check opens a fresh connection to every destination outside the pools (for TLS: handshake, and the
// client-certificate verdict when the server asks for one; for RELP: the open exchange), then closes them. It
// reports configuration and reachability problems at startup (`siemship check`) and for readiness: nil when at
// least one destination is reachable (the unreachable others are logged), else every error. For UDP it can only
// resolve the address and create the socket.
func (c *Client) Check(ctx context.Context) error {
	var errs []error
	for _, d := range c.dests {
		if err := c.check(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 && len(errs) < len(c.dests) {
		for _, err := range errs {
			c.log.Warn("destination not reachable", zap.Error(err))
		}
		return nil
	}
	return errors.Join(errs...)
}

// check connects to one destination, holds the connection for checkHold and probes it (a receiver that resets or
// closes every connection it accepts fails the check), and closes it.
func (c *Client) check(ctx context.Context, d *dest) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	cn, err := c.dial(ctx, d)
	if err != nil {
		if ctx.Err() == nil {
			c.lost(d, err)
		}
		return err
	}
	if cn.tcp != nil {
		t := time.NewTimer(checkHold)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			cn.closeNow()
			return fmt.Errorf("check %s: %w", d.addr, context.Cause(ctx))
		}
		if err := cn.probe(); err != nil {
			cn.closeNow()
			err = fmt.Errorf("%s: the receiver closed the connection right after accepting it: %w", d.addr, err)
			c.lost(d, err)
			return err
		}
	}
	d.conns.survived()
	c.closeConn(cn)
	return nil
}

// closeConn closes an idle connection gracefully: RELP close exchange, TLS close_notify.
func (c *Client) closeConn(cn *conn) {
	if cn.relp != nil {
		cn.relp.closeSession(cn.nc, relpCloseWait)
	}
	cn.close()
}

// relpCloseWait bounds the RELP close exchange of an idle connection.
const relpCloseWait = time.Second

// Framing is the framing the client's frames must carry; the encoder writes it.
func (c *Client) Framing() message.Framing { return c.o.framing }

// Stats returns the counters.
func (c *Client) Stats() sink.Stats {
	return sink.Stats{
		Batches:             c.st.batches.Load(),
		Messages:            c.st.frames.Load(),
		Bytes:               c.st.bytes.Load(),
		Connects:            c.st.connects.Load(),
		Reconnects:          c.st.reconnects.Load(),
		ConnectErrors:       c.st.connectErrors.Load(),
		Discarded:           c.st.discards.Load(),
		PeerClosed:          c.st.peerClose.Load(),
		PeerResets:          c.st.peerResets.Load(),
		ResetsAfterDelivery: c.st.resetsAfterDelivery.Load(),
		Failovers:           c.st.failovers.Load(),
		OpenConnections:     c.OpenConnections(),
	}
}

// OpenConnections returns how many connections of the pools are open now.
func (c *Client) OpenConnections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, d := range c.dests {
		for _, s := range d.all {
			if s.cn != nil {
				n++
			}
		}
	}
	return n
}

// Addr returns the destination the next batch would go to, as host:port (with one destination: that one).
func (c *Client) Addr() string { return c.dests[c.preferred()].addr }

// Addrs returns every destination, in the configured order.
func (c *Client) Addrs() []string {
	a := make([]string, len(c.dests))
	for i, d := range c.dests {
		a[i] = d.addr
	}
	return a
}

// Start is the lifecycle's start: the client dials lazily (Send, Check), so there is nothing to do.
func (c *Client) Start(context.Context) error { return nil }

// Shutdown closes every connection (Close). Each close is bounded by its own deadline; ctx is not needed.
func (c *Client) Shutdown(context.Context) error { return c.Close() }

// Close closes every connection; Sends in flight fail, later ones return ErrClosed. Idle TLS connections are closed
// with close_notify (RFC 5425 §4.4), idle RELP sessions with the close command. Close is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	var idle, busy []*conn
	for _, d := range c.dests {
		free := map[*slot]bool{}
	drain:
		for {
			select {
			case s := <-d.slots: // no Send holds it; Sends finishing now put theirs back into the buffered channel
				free[s] = true
				defer func() { d.slots <- s }()
			default:
				break drain
			}
		}
		for _, s := range d.all {
			if s.cn == nil {
				continue
			}
			if free[s] {
				idle = append(idle, s.cn)
			} else {
				busy = append(busy, s.cn)
			}
			s.cn = nil
		}
	}
	c.mu.Unlock()
	for _, cn := range busy {
		cn.close() // crypto/tls skips close_notify when a Write is in flight and just closes the socket
	}
	for _, cn := range idle {
		c.closeConn(cn)
	}
	return nil
}
