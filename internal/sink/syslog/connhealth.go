package syslog

import (
	"errors"
	"sync"
	"syscall"
	"time"

	"github.com/siemship/siemship/internal/sink"
)

// A Send that returns nil in write or ack mode proves little about the receiver: a receiver that accepts and then
// resets every connection takes every batch into its socket buffers and loses it. The connections tell more: a
// destination is up only while its most recent connection survived, and a connection the receiver reset (found by
// the liveness probe before the next write, by a write, or by a health check) counts as lost.
//
// Survived: the probe found the connection alive, or closed cleanly by the receiver (a close without a reset means
// it read everything, since Linux resets a connection closed with unread data); a batch confirmed by close or RELP;
// a Check whose fresh connection was still open after checkHold. Lost: a reset, any other probe or delivery error, a
// failed dial or handshake. UDP tells nothing.

// checkHold is how long Check keeps its fresh connection open before probing it: long enough for a receiver that
// resets or closes every connection right after accepting it to show it, short enough for siemship check and
// /readyz.
const checkHold = 200 * time.Millisecond

// connHealth is what the recent connections to one destination showed.
type connHealth struct {
	mu      sync.Mutex
	streak  int       // connections lost in a row, 0 once one survived
	since   time.Time // the first loss of the streak
	lastErr error     // the latest loss
}

func (h *connHealth) lost(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.streak == 0 {
		h.since = time.Now()
	}
	h.streak++
	h.lastErr = err
}

func (h *connHealth) survived() {
	h.mu.Lock()
	h.streak = 0
	h.mu.Unlock()
}

// Health probes the idle connections of the pools (without blocking: a connection a Send holds is left
// alone), discarding those the receiver closed or reset, and reports whether every destination is failing. The
// probe lets a scrape or /readyz see a reset that happened after the last batch, while nothing is being sent.
func (c *Client) Health() sink.Health {
	c.sweep()
	var worst sink.Health
	for i, d := range c.dests {
		d.conns.mu.Lock()
		h := sink.Health{Failing: d.conns.streak > 0, Lost: d.conns.streak, Since: d.conns.since, LastErr: d.conns.lastErr}
		d.conns.mu.Unlock()
		if !h.Failing {
			return sink.Health{}
		}
		if i == 0 || h.Lost < worst.Lost {
			worst = h
		}
	}
	return worst
}

// sweep probes the idle connections of every pool.
func (c *Client) sweep() {
	for _, d := range c.dests {
		for range len(d.all) {
			select {
			case <-c.done:
				return
			case s := <-d.slots:
				c.reuse(d, s)
				d.slots <- s
			default:
			}
		}
	}
}

// isReset reports whether err is the receiver resetting the connection (EPIPE: it had closed, then reset our write).
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
