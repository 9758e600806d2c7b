package pipeline

import (
	"context"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/sink"
)

// Encoder turns the logs of a log group into messages, one frame per log, in the framing the sink asked for
// (Sink.Framing, given to the encoder when it is built). It is pure and safe for concurrent use, each goroutine
// with its own scratch. kv.Encoder implements it.
type Encoder interface {
	// AppendGroup appends one frame per log of g to b and counts what it had to change. heads is nil or holds,
	// for each log, the header fields the mapping chose (message.Head). It must not keep b, g, heads or s.
	AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts
}

// Sink delivers batches of messages and says when a batch is confirmed, as the sink defines it (written, acked,
// read, acknowledged by the receiving application); the checkpoint moves only then. It is safe for concurrent use
// by all shards. syslog.Client implements it.
type Sink interface {
	// Start and Shutdown are the lifecycle every long-lived component has: Start before the first Send,
	// Shutdown after the last, bounded by ctx.
	Start(ctx context.Context) error
	Shutdown(ctx context.Context) error
	// Send returns nil only when b is confirmed; after an error the pipeline sends the whole batch again.
	Send(ctx context.Context, b *message.Batch) error
	// Check tells whether the destination can be reached now (siemship check, /readyz).
	Check(ctx context.Context) error
	// Framing is the framing every frame of a batch must carry.
	Framing() message.Framing
	// Addr names the destination for metrics and logs (the preferred one when there are several).
	Addr() string
	Stats() sink.Stats
	// Health is what the recent connections say, which a confirmed Send may not show.
	Health() sink.Health
}
