package syslog

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// ioGuard bounds blocking I/O on a connection for one Send: arm sets the read and write deadlines to
// min(now+timeout, ctx deadline) before each blocking call, and cancelling ctx interrupts a blocked call. The mutex
// orders the cancel callback against arm, so a later arm cannot undo the cancellation.
type ioGuard struct {
	ctx     context.Context
	nc      net.Conn
	timeout time.Duration

	mu        sync.Mutex
	cancelled bool
	fired     chan struct{}
	stopAfter func() bool
}

func newIOGuard(ctx context.Context, nc net.Conn, timeout time.Duration) *ioGuard {
	g := &ioGuard{ctx: ctx, nc: nc, timeout: timeout, fired: make(chan struct{})}
	g.stopAfter = context.AfterFunc(ctx, func() {
		g.mu.Lock()
		g.cancelled = true
		_ = nc.SetDeadline(time.Unix(1, 0))
		g.mu.Unlock()
		close(g.fired)
	})
	return g
}

// arm sets the deadlines for the next blocking call, or returns the cause when ctx is done.
func (g *ioGuard) arm() error { return g.armWithin(g.timeout) }

// armWithin is arm with a timeout of d instead of the guard's.
func (g *ioGuard) armWithin(d time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cancelled {
		return context.Cause(g.ctx)
	}
	dl := time.Now().Add(d)
	if cd, ok := g.ctx.Deadline(); ok && cd.Before(dl) {
		dl = cd
	}
	return g.nc.SetDeadline(dl)
}

// wrap adds the context's cause to an I/O error caused by cancellation.
func (g *ioGuard) wrap(err error) error {
	if g.ctx.Err() != nil {
		return fmt.Errorf("%w: %w", context.Cause(g.ctx), err)
	}
	return err
}

// stop releases the callback and waits for it if it already started, so the connection can serve the next Send.
func (g *ioGuard) stop() {
	if !g.stopAfter() {
		<-g.fired
	}
	_ = g.nc.SetDeadline(time.Time{})
}
