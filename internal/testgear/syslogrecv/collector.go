package syslogrecv

import (
	"context"
	"fmt"
	"sync"
)

// Collector keeps copies of received messages in memory, for tests and the demo. Use its Handle method as the
// Handler. It stores at most limit messages (the first ones) but counts all of them.
type Collector struct {
	mu      sync.Mutex
	msgs    [][]byte
	limit   int
	total   int
	waiters int
	changed chan struct{} // closed and replaced when total grows while someone waits
}

// NewCollector returns a collector storing up to limit messages; limit <= 0 means no limit (tests only).
func NewCollector(limit int) *Collector {
	return &Collector{limit: limit, changed: make(chan struct{})}
}

// Handle stores a copy of msg. It is a Handler.
func (c *Collector) Handle(msg []byte) {
	c.mu.Lock()
	if c.limit <= 0 || len(c.msgs) < c.limit {
		c.msgs = append(c.msgs, append([]byte(nil), msg...))
	}
	c.total++
	if c.waiters > 0 {
		close(c.changed)
		c.changed = make(chan struct{})
	}
	c.mu.Unlock()
}

// Messages returns the stored messages in arrival order (across connections: in handler-call order).
func (c *Collector) Messages() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.msgs...)
}

// Len is the number of messages received, stored or not.
func (c *Collector) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// Reset forgets all messages.
func (c *Collector) Reset() {
	c.mu.Lock()
	c.msgs, c.total = nil, 0
	c.mu.Unlock()
}

// WaitFor blocks until at least n messages were received or ctx is done.
func (c *Collector) WaitFor(ctx context.Context, n int) error {
	c.mu.Lock()
	c.waiters++
	defer func() {
		c.mu.Lock()
		c.waiters--
		c.mu.Unlock()
	}()
	for {
		if c.total >= n {
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("received %d of %d messages: %w", c.Len(), n, context.Cause(ctx))
		}
		c.mu.Lock()
	}
}
