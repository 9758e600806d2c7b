package syslogout

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
)

// Client sends batches to one destination over a pool of connections. It is safe for concurrent use: each Send
// holds one connection for the whole batch, so up to Options.Connections batches are written in parallel and
// further Sends wait for a free connection.
type Client struct {
	o       Options
	addr    string
	log     *zap.Logger
	dialer  net.Dialer
	tlsConf *tls.Config
	bo      backoff

	slots chan *slot // free slots; FIFO, so consecutive batches rotate over the pool
	all   []*slot
	done  chan struct{} // closed by Close

	mu     sync.Mutex // guards slot.cn against Close, and closed
	closed bool

	st counters
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
}

// Stats are cumulative counters of a Client.
type Stats struct {
	Batches       uint64 // batches written completely
	Frames        uint64 // frames (datagrams for UDP) in those batches
	Bytes         uint64 // bytes in those batches (framing included, TLS overhead not)
	Connects      uint64 // connections established
	Reconnects    uint64 // of which replaced a discarded connection
	ConnectErrors uint64 // failed dials and TLS handshakes
	Discarded     uint64 // connections dropped after a write error or a failed probe
	PeerClosed    uint64 // of which the probe found closed by the peer before a write
}

// New validates o and returns a Client. It does not connect: connections are dialed by the first Sends (or use
// Check to fail fast).
func New(o Options) (*Client, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		o:     o,
		addr:  o.Addrs[0],
		log:   o.Logger.With(zap.String("protocol", string(o.Protocol)), zap.String("addr", o.Addrs[0])),
		bo:    backoff{base: backoffBase, max: backoffMax},
		slots: make(chan *slot, o.Connections),
		done:  make(chan struct{}),
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
	if o.Protocol == ProtocolTLS {
		c.tlsConf = o.TLS.Clone()
		if c.tlsConf.ServerName == "" {
			host, _, _ := net.SplitHostPort(c.addr)
			c.tlsConf.ServerName = host
		}
		if c.tlsConf.MinVersion < tls.VersionTLS12 {
			c.tlsConf.MinVersion = tls.VersionTLS12
		}
		// Bulk transfer: full-size records from the first byte instead of small ones for latency.
		c.tlsConf.DynamicRecordSizingDisabled = true
	}
	for i := range o.Connections {
		s := &slot{id: i}
		c.all = append(c.all, s)
		c.slots <- s
	}
	return c, nil
}

// Send writes the whole batch on one connection of the pool and returns nil only when every byte was written (for
// UDP: every datagram sent). Before writing it probes the connection and replaces one the peer has closed. On
// error the connection is discarded (the next Send dials a new one, after the reconnect backoff if dialing failed)
// and the caller resends the whole batch. A failed dial is returned, not retried: retrying is the caller's job.
//
// Send blocks while all connections are busy, until ctx is done. Errors marked permanent (IsPermanent) cannot be
// fixed by resending: an invalid batch, an oversize datagram, a closed Client.
func (c *Client) Send(ctx context.Context, b *Batch) error {
	if err := b.validate(); err != nil {
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
	s, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	defer func() { c.slots <- s }()

	cn, err := c.ready(ctx, s)
	if err != nil {
		return err
	}
	if err := cn.write(ctx, b, c.o.WriteTimeout); err != nil {
		c.discard(s, cn, "write failed", err)
		return fmt.Errorf("send %d frames to %s: %w", len(b.Ends), c.addr, err)
	}
	c.st.batches.Add(1)
	c.st.frames.Add(uint64(len(b.Ends)))
	c.st.bytes.Add(uint64(len(b.Buf)))
	return nil
}

// acquire takes a free slot.
func (c *Client) acquire(ctx context.Context) (*slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("send: %w", context.Cause(ctx))
	}
	select {
	case <-c.done:
		return nil, ErrClosed
	default:
	}
	select {
	case s := <-c.slots:
		return s, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a free connection: %w", context.Cause(ctx))
	case <-c.done:
		return nil, ErrClosed
	}
}

// ready returns the slot's connection after a successful probe, or dials a new one.
func (c *Client) ready(ctx context.Context, s *slot) (*conn, error) {
	c.mu.Lock()
	cn := s.cn
	c.mu.Unlock()
	if cn != nil {
		err := cn.probe()
		if err == nil {
			return cn, nil
		}
		if errors.Is(err, errPeerClosed) {
			c.st.peerClose.Add(1)
		}
		c.discard(s, cn, "probe failed", err)
	}
	if err := c.bo.wait(ctx); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", c.addr, err)
	}
	cn, err := c.dial(ctx)
	if err != nil {
		c.st.connectErrors.Add(1)
		delay := c.bo.failure()
		c.log.Warn("connect failed", zap.Int("conn", s.id), zap.Error(err), zap.Duration("next_attempt_in", delay))
		return nil, err
	}
	c.bo.success()
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
	fields := []zap.Field{zap.Int("conn", s.id), zap.String("local", cn.nc.LocalAddr().String())}
	if cn.tls != nil {
		st := cn.tls.ConnectionState()
		fields = append(fields, zap.String("tls_version", tls.VersionName(st.Version)),
			zap.String("cipher", tls.CipherSuiteName(st.CipherSuite)), zap.Bool("client_cert_requested", cn.certRequested))
	}
	c.log.Info("connected", fields...)
	return cn, nil
}

// discard closes a broken connection and empties its slot.
func (c *Client) discard(s *slot, cn *conn, reason string, err error) {
	c.mu.Lock()
	if s.cn == cn {
		s.cn = nil
	}
	closed := c.closed
	c.mu.Unlock()
	cn.closeNow()
	c.st.discards.Add(1)
	if !closed {
		c.log.Warn("connection discarded", zap.Int("conn", s.id), zap.String("reason", reason), zap.Error(err))
	}
}

// Check opens a fresh connection outside the pool (for TLS: handshake, and the client-certificate verdict when the
// server asks for one), then closes it. It reports configuration and reachability problems at startup (`siemship
// check`) and for readiness. For UDP it can only resolve the address and create the socket.
func (c *Client) Check(ctx context.Context) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	cn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	cn.close()
	return nil
}

// Stats returns the counters.
func (c *Client) Stats() Stats {
	return Stats{
		Batches:       c.st.batches.Load(),
		Frames:        c.st.frames.Load(),
		Bytes:         c.st.bytes.Load(),
		Connects:      c.st.connects.Load(),
		Reconnects:    c.st.reconnects.Load(),
		ConnectErrors: c.st.connectErrors.Load(),
		Discarded:     c.st.discards.Load(),
		PeerClosed:    c.st.peerClose.Load(),
	}
}

// OpenConnections returns how many connections of the pool are open now.
func (c *Client) OpenConnections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.all {
		if s.cn != nil {
			n++
		}
	}
	return n
}

// Addr returns the destination as host:port.
func (c *Client) Addr() string { return c.addr }

// Close closes every connection; Sends in flight fail, later ones return ErrClosed. Idle TLS connections are closed
// with close_notify (RFC 5425 §4.4). Close is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.done)
	var open []*conn
	for _, s := range c.all {
		if s.cn != nil {
			open = append(open, s.cn)
			s.cn = nil
		}
	}
	c.mu.Unlock()
	for _, cn := range open {
		cn.close() // crypto/tls skips close_notify when a Write is in flight and just closes the socket
	}
	return nil
}
