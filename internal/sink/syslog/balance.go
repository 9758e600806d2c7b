package syslog

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Balance is how batches are spread over several destinations. Each batch goes wholly to one destination.
type Balance string

// Balancing policies.
const (
	// BalanceFailover sends to the first destination in the configured order that is up. A destination whose
	// Send failed is down; after ProbeInterval a probe connection (connect, TLS handshake, RELP open) is tried
	// before it is used again, so the client returns to the first destination once it is healthy.
	BalanceFailover Balance = "failover"
	// BalanceRoundRobin rotates over the destinations that are up, one batch each.
	BalanceRoundRobin Balance = "roundrobin"
)

// DefaultProbeInterval is how long a failed destination is left alone before a probe.
const DefaultProbeInterval = 30 * time.Second

// health is a destination's state for balancing.
type health struct {
	mu        sync.Mutex
	down      bool
	downSince time.Time
	nextProbe time.Time
	probing   bool
}

// pick chooses the destination of the next batch. With one destination it is always that one (its own reconnect
// backoff paces the retries). Otherwise it takes the first (failover) or the next (roundrobin) destination that is
// up; a down destination whose probe is due is probed first (bounded by DialTimeout) and taken when the probe
// succeeds. When every destination is down, the one that failed longest ago is tried.
func (c *Client) pick(ctx context.Context) *dest {
	n := len(c.dests)
	if n == 1 {
		return c.dests[0]
	}
	first := 0
	if c.o.Balance == BalanceRoundRobin {
		first = int(c.rr.Add(1)-1) % n
	}
	var oldest *dest
	var oldestSince time.Time
	for k := range n {
		d := c.dests[(first+k)%n]
		up, due, since := d.health.state(time.Now())
		if up {
			return d
		}
		if due && c.probe(ctx, d) {
			return d
		}
		if oldest == nil || since.Before(oldestSince) {
			oldest, oldestSince = d, since
		}
	}
	return oldest
}

// preferred is the index of the destination pick would try first, without probing.
func (c *Client) preferred() int {
	if len(c.dests) == 1 {
		return 0
	}
	first := 0
	if c.o.Balance == BalanceRoundRobin {
		first = int(c.rr.Load()) % len(c.dests)
	}
	for k := range c.dests {
		i := (first + k) % len(c.dests)
		if up, _, _ := c.dests[i].health.state(time.Now()); up {
			return i
		}
	}
	return first
}

// probe tries a connection to the down destination d and marks it up when that works. Only one probe per
// destination runs at a time; a failed probe schedules the next one.
func (c *Client) probe(ctx context.Context, d *dest) bool {
	d.health.mu.Lock()
	if d.health.probing {
		d.health.mu.Unlock()
		return false
	}
	d.health.probing = true
	d.health.mu.Unlock()
	err := c.check(ctx, d)
	d.health.mu.Lock()
	d.health.probing = false
	if err != nil {
		d.health.nextProbe = time.Now().Add(c.o.ProbeInterval)
	}
	d.health.mu.Unlock()
	if err != nil {
		d.log.Info("destination still down", zap.Error(err), zap.Duration("next_probe_in", c.o.ProbeInterval))
		return false
	}
	c.markUp(d)
	return true
}

// markUp records a success.
func (c *Client) markUp(d *dest) {
	if len(c.dests) == 1 {
		return
	}
	d.health.mu.Lock()
	was := d.health.down
	d.health.down = false
	d.health.mu.Unlock()
	if was {
		d.log.Info("destination up again")
	}
}

// markDown records a failure; the destination is skipped until its probe succeeds.
func (c *Client) markDown(d *dest, err error) {
	if len(c.dests) == 1 {
		return
	}
	now := time.Now()
	d.health.mu.Lock()
	was := d.health.down
	if !was {
		d.health.down, d.health.downSince = true, now
	}
	d.health.nextProbe = now.Add(c.o.ProbeInterval)
	d.health.mu.Unlock()
	if !was {
		c.st.failovers.Add(1)
		d.log.Warn("destination down, sending to the others", zap.Error(err), zap.Duration("next_probe_in", c.o.ProbeInterval))
	}
}

// state reports whether the destination is up, whether its probe is due, and since when it is down.
func (h *health) state(now time.Time) (up, due bool, since time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.down, h.down && !h.probing && !now.Before(h.nextProbe), h.downSince
}
