// Package syslogrecv is a small, real syslog receiver for `siemship demo`, tests and benchmarks. It listens on TCP,
// TLS or UDP, splits the stream into messages exactly like rsyslog imtcp (octet counting or LF, detected per frame)
// and hands every message to a Handler. It counts messages and bytes without allocating per message.
//
// It imports nothing from the shipper on purpose: it plays the SIEM.
package syslogrecv

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Defaults for Options.
const (
	DefaultAddr             = "127.0.0.1:0"
	DefaultMaxMessageBytes  = 64 << 10
	DefaultMaxConnections   = 256
	DefaultHandshakeTimeout = 10 * time.Second
)

// Options configure a Receiver. The zero value listens on plain TCP at 127.0.0.1 on a free port.
type Options struct {
	Addr     string // host:port, default DefaultAddr
	Protocol string // "tcp" (default), "tls" or "udp"
	TLS      *tls.Config
	// MaxMessageBytes bounds one message (without framing). A larger TCP/TLS frame closes the connection; a larger
	// UDP datagram is dropped. Default DefaultMaxMessageBytes.
	MaxMessageBytes int
	// MaxConnections bounds concurrent TCP/TLS connections; connections beyond it are closed at once.
	MaxConnections   int
	HandshakeTimeout time.Duration // TLS handshake deadline, default DefaultHandshakeTimeout
	Logger           *zap.Logger
}

// Handler is called once per received message (without framing, CR LF or LF stripped) from the goroutine of the
// connection (or of the UDP socket). msg is only valid during the call. A slow handler slows the sender down: it is
// the receiver's backpressure.
type Handler func(msg []byte)

// Receiver is a listening syslog receiver. Its methods are safe for concurrent use.
type Receiver struct {
	o   Options
	h   Handler
	log *zap.Logger

	ln net.Listener   // tcp, tls
	pc net.PacketConn // udp

	count, bytes, accepted, errs atomic.Uint64

	mu     sync.Mutex
	conns  map[net.Conn]chan struct{} // open connections → closed when their goroutine is done
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a receiver; h may be nil to only count.
func Listen(o Options, h Handler) (*Receiver, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Protocol == "" {
		o.Protocol = "tcp"
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	r := &Receiver{o: o, h: h, log: o.Logger.With(zap.String("protocol", o.Protocol)), conns: map[net.Conn]chan struct{}{}}
	switch o.Protocol {
	case "tcp", "tls":
		if o.Protocol == "tls" && o.TLS == nil {
			return nil, errors.New("syslogrecv: protocol tls needs a TLS config")
		}
		ln, err := net.Listen("tcp", o.Addr)
		if err != nil {
			return nil, fmt.Errorf("syslogrecv: listen: %w", err)
		}
		r.ln = ln
		r.wg.Add(1)
		go r.acceptLoop()
	case "udp":
		pc, err := net.ListenPacket("udp", o.Addr)
		if err != nil {
			return nil, fmt.Errorf("syslogrecv: listen: %w", err)
		}
		if uc, ok := pc.(*net.UDPConn); ok {
			_ = uc.SetReadBuffer(4 << 20) // best effort: the kernel caps it at net.core.rmem_max
		}
		r.pc = pc
		r.wg.Add(1)
		go r.udpLoop()
	default:
		return nil, fmt.Errorf("syslogrecv: unknown protocol %q (want tcp, tls or udp)", o.Protocol)
	}
	r.log.Debug("syslog receiver listening", zap.String("addr", r.Addr()))
	return r, nil
}

// Addr is the listening address (host:port), with the port chosen by the kernel when Options.Addr had port 0.
func (r *Receiver) Addr() string {
	if r.ln != nil {
		return r.ln.Addr().String()
	}
	return r.pc.LocalAddr().String()
}

// Count is the number of messages handed to the handler (counted after the handler returned).
func (r *Receiver) Count() uint64 { return r.count.Load() }

// Bytes is the total size of those messages, without framing.
func (r *Receiver) Bytes() uint64 { return r.bytes.Load() }

// Accepted is the number of TCP/TLS connections accepted so far (including rejected ones).
func (r *Receiver) Accepted() uint64 { return r.accepted.Load() }

// Errors counts failures: framing violations, oversize messages, incomplete frames at the end of a stream, TLS
// handshake failures, connections refused because of MaxConnections.
func (r *Receiver) Errors() uint64 { return r.errs.Load() }

// ActiveConnections is the number of open TCP/TLS connections.
func (r *Receiver) ActiveConnections() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// CloseConnections closes every open TCP/TLS connection (TLS with close_notify) and waits until their goroutines
// are done, which needs the handler to return; the listener stays open. Tests use it to simulate a receiver restart
// on the same port. For UDP it does nothing.
func (r *Receiver) CloseConnections() {
	r.mu.Lock()
	done := make([]chan struct{}, 0, len(r.conns))
	for c, d := range r.conns {
		_ = c.Close()
		done = append(done, d)
	}
	r.mu.Unlock()
	for _, d := range done {
		<-d
	}
}

// Close stops listening, closes all connections and waits for every goroutine (the handler must return).
func (r *Receiver) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	var err error
	if r.ln != nil {
		err = r.ln.Close()
	} else {
		err = r.pc.Close()
	}
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

func (r *Receiver) acceptLoop() {
	defer r.wg.Done()
	var delay time.Duration
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off like net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			r.log.Warn("accept failed", zap.Error(err), zap.Duration("retry_in", delay))
			time.Sleep(delay)
			continue
		}
		delay = 0
		r.accepted.Add(1)
		done := make(chan struct{})
		r.mu.Lock()
		switch {
		case r.closed:
			r.mu.Unlock()
			_ = c.Close()
			return
		case len(r.conns) >= r.o.MaxConnections:
			r.mu.Unlock()
			r.errs.Add(1)
			r.log.Warn("connection refused: too many connections",
				zap.String("remote", c.RemoteAddr().String()), zap.Int("max_connections", r.o.MaxConnections))
			_ = c.Close()
			continue
		}
		r.conns[c] = done
		r.wg.Add(1)
		r.mu.Unlock()
		go r.serve(c, done)
	}
}

func (r *Receiver) serve(c net.Conn, done chan struct{}) {
	defer func() {
		_ = c.Close()
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		close(done)
		r.wg.Done()
	}()
	log := r.log.With(zap.String("remote", c.RemoteAddr().String()))
	var src io.Reader = c
	if r.o.Protocol == "tls" {
		tc := tls.Server(c, r.o.TLS)
		_ = c.SetDeadline(time.Now().Add(r.o.HandshakeTimeout))
		if err := tc.Handshake(); err != nil {
			r.errs.Add(1)
			log.Info("tls handshake failed", zap.Error(err))
			return
		}
		_ = c.SetDeadline(time.Time{})
		r.mu.Lock() // Close and CloseConnections must close the TLS layer (close_notify), not only the socket
		if _, ok := r.conns[c]; ok {
			delete(r.conns, c)
			r.conns[tc] = done
		}
		r.mu.Unlock()
		c, src = tc, tc
	}
	fr := frameReader{br: bufio.NewReaderSize(src, bufferSize(r.o.MaxMessageBytes)), max: r.o.MaxMessageBytes}
	for {
		msg, err := fr.next()
		if err != nil {
			var fe *errFrame
			switch {
			case err == io.EOF, errors.Is(err, net.ErrClosed):
				log.Debug("connection closed")
			case errors.As(err, &fe):
				r.errs.Add(1)
				log.Error("closing connection: framing error", zap.Error(err))
			case err == errIncomplete:
				r.errs.Add(1)
				log.Warn("connection closed inside a frame; partial frame discarded")
			default:
				log.Info("connection read failed", zap.Error(err))
			}
			return
		}
		if r.h != nil {
			r.h(msg)
		}
		r.bytes.Add(uint64(len(msg)))
		r.count.Add(1)
	}
}

func (r *Receiver) udpLoop() {
	defer r.wg.Done()
	buf := make([]byte, max(r.o.MaxMessageBytes+2, 64<<10))
	for {
		n, from, err := r.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			r.log.Warn("udp read failed", zap.Error(err))
			continue
		}
		msg := buf[:n]
		if n > 0 && msg[n-1] == '\n' { // a trailing LF (or CR LF) is not part of the message, as in rsyslog
			msg = msg[:n-1]
			if len(msg) > 0 && msg[len(msg)-1] == '\r' {
				msg = msg[:len(msg)-1]
			}
		}
		if len(msg) == 0 {
			continue
		}
		if len(msg) > r.o.MaxMessageBytes {
			r.errs.Add(1)
			r.log.Warn("datagram dropped: too large", zap.String("remote", from.String()), zap.Int("bytes", n),
				zap.Int("max_message_bytes", r.o.MaxMessageBytes))
			continue
		}
		if r.h != nil {
			r.h(msg)
		}
		r.bytes.Add(uint64(len(msg)))
		r.count.Add(1)
	}
}
