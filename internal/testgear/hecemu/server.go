package hecemu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Defaults of Options.
const (
	// DefaultMaxContentLength is Splunk's default max_content_length ([http_input] in limits.conf), 800 MiB.
	DefaultMaxContentLength = 838860800
	// DefaultMaxPendingAcksPerChannel is Splunk's default max_number_of_acked_requests_pending_query_per_ack_channel.
	DefaultMaxPendingAcksPerChannel = 1_000_000
	// DefaultMaxEvents bounds the ledger (indexed plus pending events).
	DefaultMaxEvents = 10_000_000
	// maxAckChannels bounds the number of ack channels (Splunk's max_number_of_ack_channel default).
	maxAckChannels = 1_000_000
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Logger receives one debug line per request and lifecycle messages. Nil means no logging.
	Logger *zap.Logger
	// TLS, when set, makes Start serve HTTPS with this configuration (HTTP/1.1 only, as splunkd).
	TLS *tls.Config
	// MaxContentLength bounds a request body, as sent and after gunzip (default DefaultMaxContentLength); larger
	// requests get 413.
	MaxContentLength int64
	// IndexDelay is the time between accepting a request and its events being indexed (in the ledger, acks true);
	// default 0: at once. DelayAcks changes it.
	IndexDelay time.Duration
	// MaxPendingAcksPerChannel bounds the ackIds of one channel that were handed out and not read as true yet
	// (default DefaultMaxPendingAcksPerChannel); beyond it event requests get 503 code 9.
	MaxPendingAcksPerChannel int
	// MaxEvents bounds the events kept (indexed plus pending, default DefaultMaxEvents); beyond it event requests
	// get 503 code 9. Each event costs about 200 bytes plus its body bytes. Ignored with CountOnly.
	MaxEvents int
	// CountOnly keeps no events, only counts (for throughput runs): Events returns nil, Count still counts.
	CountOnly bool
	// RejectWholeBatch indexes nothing of a request with a bad event. By default the events before the bad one are
	// indexed (without ackId), which is what Splunk is believed to do (UNVERIFIED, see docs/hec-emulator.md).
	RejectWholeBatch bool
	// Now is the clock for the indexing delay and Busy. Nil means time.Now.
	Now func() time.Time
}

// Server is an in-memory HEC endpoint. All methods are safe for concurrent use.
type Server struct {
	o      Options
	log    *zap.Logger
	now    func() time.Time
	limits indexLimits

	mu        sync.RWMutex
	tokens    map[string]*tokenState
	url       string
	srv       *http.Server
	serveDone chan struct{}

	ix       *indexer
	faults   faults
	counters counters
	reqSeq   atomic.Int64
	bodies   sync.Pool // *[]byte: request bodies, reused in count-only mode
}

// New returns a server with no tokens and no listener.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxContentLength <= 0 {
		o.MaxContentLength = DefaultMaxContentLength
	}
	if o.MaxPendingAcksPerChannel <= 0 {
		o.MaxPendingAcksPerChannel = DefaultMaxPendingAcksPerChannel
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	lim := indexLimits{maxEvents: o.MaxEvents, maxPendingAcks: o.MaxPendingAcksPerChannel, maxAckChannels: maxAckChannels}
	if o.CountOnly {
		lim.maxEvents = 0
	}
	return &Server{
		o:      o,
		log:    o.Logger,
		now:    o.Now,
		limits: lim,
		tokens: map[string]*tokenState{},
		ix:     newIndexer(max(o.IndexDelay, 0), o.CountOnly),
	}
}

// Start listens on addr (e.g. 127.0.0.1:0) and serves in the background, with TLS when Options.TLS is set. It
// returns the base URL, http://127.0.0.1:PORT or https://..., once the listener accepts connections. After
// Shutdown the server can be started again; tokens, ledger and ack state are kept.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return "", errors.New("hecemu: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen %s: %w", addr, err)
	}
	scheme := "http"
	if s.o.TLS != nil {
		cfg := s.o.TLS.Clone()
		cfg.NextProtos = []string{"http/1.1"}
		ln = tls.NewListener(ln, cfg)
		scheme = "https"
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
	done := make(chan struct{})
	s.srv, s.serveDone = srv, done
	s.url = scheme + "://" + ln.Addr().String()
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", zap.Error(err))
		}
	}()
	s.log.Info("hec emulator listening", zap.String("url", s.url))
	return s.url, nil
}

// URL returns the base URL while started, or "".
func (s *Server) URL() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.url
}

// Shutdown stops the listener and waits for requests in flight until ctx ends, then closes the remaining
// connections. It returns when the serving goroutine has ended. Calling it on a server that is not started does
// nothing.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.serveDone
	s.srv, s.serveDone, s.url = nil, nil, ""
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	var err error
	if err = srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		err = fmt.Errorf("shutdown: %w", err)
	}
	<-done
	s.log.Info("hec emulator stopped")
	return err
}

// Events returns a copy of the ledger: every indexed event in indexing order (nil with Options.CountOnly).
func (s *Server) Events() []Event { return s.ix.events(s.now()) }

// Count returns the number of indexed events.
func (s *Server) Count() int { return s.ix.count(s.now()) }
