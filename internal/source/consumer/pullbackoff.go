package consumer

import (
	"context"
	"sync"
	"time"

	"github.com/siemship/siemship/internal/backoff"
)

// pullBackoff spaces out the pulls of a shard whose last pull failed. The SDK retries network errors and 5xx with
// backoff, but the consumer library repeats other failed pulls every 100-300 ms (4 a second per shard for an
// answer that does not decode), and in the SDK's retries an answer siemship refused counts as a network error
// whose backoff restarts with every pull; this gate makes the spacing grow with consecutive failures of the shard,
// up to pullBackoffMax, whatever the kind of failure.
type pullBackoff struct {
	mu    sync.Mutex
	gates map[int]*backoff.Gate
}

// Bounds of the spacing of failed pulls: short enough that a recovering SLS is picked up within seconds.
const (
	pullBackoffInitial = 200 * time.Millisecond
	pullBackoffMax     = 10 * time.Second
)

func (b *pullBackoff) gate(shard int) *backoff.Gate {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gates == nil {
		b.gates = map[int]*backoff.Gate{}
	}
	g, ok := b.gates[shard]
	if !ok {
		g = &backoff.Gate{Policy: backoff.Policy{Initial: pullBackoffInitial, Max: pullBackoffMax}}
		b.gates[shard] = g
	}
	return g
}

// wait blocks until the shard may pull again.
func (b *pullBackoff) wait(ctx context.Context, shard int) error { return b.gate(shard).Wait(ctx) }

// failed records a failed pull of the shard.
func (b *pullBackoff) failed(shard int) { b.gate(shard).Failure() }

// succeeded records a successful pull of the shard.
func (b *pullBackoff) succeeded(shard int) { b.gate(shard).Success() }
