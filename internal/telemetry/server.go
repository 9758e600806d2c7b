package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Handler returns the HTTP handler for /metrics, /healthz and /readyz.
func (t *Telemetry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(t.reg, promhttp.HandlerOpts{
		ErrorLog:            zap.NewStdLog(t.log),
		MaxRequestsInFlight: 4,
		Timeout:             20 * time.Second,
	}))
	mux.HandleFunc("/healthz", t.health.handleLive)
	mux.HandleFunc("/readyz", t.health.handleReady)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "siemship: /metrics /healthz /readyz")
	})
	return mux
}

// Start listens on Options.Addr (host:port; port 0 picks a free one) when it is not empty, serves the endpoints,
// and starts the lag measurement and the reachability checks. It returns once the listener is bound.
func (t *Telemetry) Start(ctx context.Context) error {
	addr := t.o.Addr
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started {
		return errors.New("telemetry: already started")
	}
	var ln net.Listener
	if addr != "" {
		var err error
		ln, err = (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("listen for metrics and health on %s: %w", addr, err)
		}
	}
	t.started = true
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.cancel = cancel
	if ln != nil {
		t.ln = ln
		t.srv = &http.Server{
			Handler:           t.Handler(),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    16 << 10,
			ErrorLog:          zap.NewStdLog(t.log.Named("http")),
			BaseContext:       func(net.Listener) context.Context { return lctx },
		}
		t.served = make(chan struct{})
		go func() {
			defer close(t.served)
			if err := t.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.log.Error("metrics and health server stopped", zap.Error(err))
			}
		}()
		t.log.Info("serving /metrics, /healthz and /readyz", zap.String("addr", ln.Addr().String()))
	}
	if t.lag != nil {
		t.loops.Go(func() { t.lag.run(lctx) })
	}
	if t.o.Check != nil {
		t.loops.Go(func() { t.checkLoop(lctx) })
	}
	return nil
}

// Addr returns the address the server listens on, or "" when it does not run.
func (t *Telemetry) Addr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ln == nil {
		return ""
	}
	return t.ln.Addr().String()
}

// Shutdown stops the loops and the server (letting requests in progress finish) within ctx. It is safe to call
// without Start and more than once.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	cancel, srv, served := t.cancel, t.srv, t.served
	t.cancel, t.srv = nil, nil
	t.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	var err error
	if srv != nil {
		if err = srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		<-served
	}
	done := make(chan struct{})
	go func() {
		t.loops.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		// A measurement blocked in an SDK call that takes no context; it ends with the client's own timeouts.
		err = errors.Join(err, fmt.Errorf("telemetry shutdown: %w", ctx.Err()))
	}
	return err
}

// checkLoop probes the destination whenever no send attempt or check told whether it is reachable for
// CheckInterval, so that /readyz stays truthful while nothing is sent.
func (t *Telemetry) checkLoop(ctx context.Context) {
	every := t.o.CheckInterval
	tick := time.NewTicker(max(every/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if t.o.now().Sub(t.health.lastEvidence()) < every {
			continue
		}
		err := t.o.Check(ctx)
		if ctx.Err() != nil {
			return
		}
		t.CheckResult(err)
	}
}
