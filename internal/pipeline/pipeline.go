// Package pipeline turns a pulled batch into messages and delivers it: encode every record (Encoder), hand the
// whole batch to the sink (Sink), and on failure wait (capped exponential backoff with jitter) and send the whole
// batch again. A batch is never skipped: HandleBatch returns nil only once the sink confirmed it, and returns an
// error only when it is told to stop. The pipeline owns the Encoder and Sink interfaces and knows no format or
// transport.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/backoff"
	"github.com/siemship/siemship/internal/logsample"
	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/membudget"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/source/consumer"
)

// Options configure a Pipeline.
type Options struct {
	// Mapping, when not nil and active, runs before the encoder: header fields per record, field changes, rules.
	Mapping        *mapping.Mapper
	Encoder        Encoder
	Sink           Sink
	InitialBackoff time.Duration // first wait after a failed send (default 500 ms)
	MaxBackoff     time.Duration // cap of the wait (default 30 s)
	// MaxInFlight bounds the batches being encoded or sent at once (default 2); the other shards wait before
	// encoding. Each in-flight batch holds one frame buffer (about 1.5 × the batch's raw size), and the buffers are
	// kept for reuse. More than the number of connections plus one gains nothing: a batch occupies one connection
	// for its whole send.
	MaxInFlight int
	// MaxFrameBytes bounds the memory of the frame buffers, in flight and kept for reuse, together: a batch waits
	// before encoding until its estimated frames fit; a batch larger than the whole budget waits until no other is
	// in flight and is then encoded alone. 0 means no byte bound (only MaxInFlight).
	MaxFrameBytes int64
	Logger        *zap.Logger
	// Observer, when not nil, is told about every send attempt (metrics, health).
	Observer Observer
}

// Observer is told about every attempt to send a non-empty batch, successful or not. It is called on the
// delivery path, from all shards at once: it must be safe for concurrent use, must not block and must not keep err.
type Observer interface {
	ObserveSend(shard int, d time.Duration, records, bytes int, err error)
}

// Stats are cumulative counters.
type Stats struct {
	Batches   uint64 // batches delivered (empty ones included)
	Records   uint64 // records delivered
	Bytes     uint64 // frame bytes delivered
	Failures  uint64 // failed send attempts (each followed by a resend of the whole batch)
	Truncated uint64 // records cut to the maximum message size
	Sanitized uint64 // records with an escaped key or value (control characters, invalid UTF-8, separators)
	Filtered  uint64 // records a rule dropped, in delivered batches: not sent, and checkpointed as delivered
}

// ErrStopped is returned by HandleBatch when Shutdown was called before the batch could be delivered.
var ErrStopped = errors.New("pipeline stopped before the batch was delivered")

// Pipeline is a consumer.BatchHandler. It is safe for concurrent use by all shards.
type Pipeline struct {
	mapping *mapping.Mapper // nil: none
	enc     Encoder
	sink    Sink
	backoff backoff.Policy
	log     *zap.Logger
	obs     Observer

	stopOnce sync.Once
	stop     chan struct{}
	stopCtx  context.Context // cancelled by Shutdown, to end waits for a slot
	cancel   context.CancelFunc
	works    *membudget.Pool[*work] // in-flight batches and their frame buffers, kept for reuse within the budget
	frameLen atomic.Int64           // average frame size of the last batch, to size a new buffer in one allocation

	batches, records, bytes, failures, truncated, sanitized, filtered atomic.Uint64
	truncLog                                                          logsample.Sampler
}

type work struct {
	batch   message.Batch
	scratch message.Scratch // the encoder's
	mapped  mapping.Scratch // the mapping's
}

func newWork() *work { return &work{} }

// size is the memory the work's frame buffers and the mapping's copies of a batch's logs hold. The encoder's
// scratch is not counted: it holds one log group's topic, source and tags, next to frame buffers of whole batches.
func (w *work) size() int64 {
	return int64(cap(w.batch.Buf)) + int64(cap(w.batch.Ends))*intBytes + w.mapped.Size()
}

const intBytes = int64(unsafe.Sizeof(int(0)))

// New checks the options and builds a pipeline.
func New(o Options) (*Pipeline, error) {
	if o.Encoder == nil || o.Sink == nil {
		return nil, errors.New("pipeline: encoder and sink are required")
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxBackoff < o.InitialBackoff {
		o.MaxBackoff = o.InitialBackoff
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 2
	}
	l := o.Logger
	if l == nil {
		l = zap.NewNop()
	}
	stopCtx, cancel := context.WithCancel(context.Background())
	if o.Mapping != nil && !o.Mapping.Active() {
		o.Mapping = nil
	}
	p := &Pipeline{
		mapping:  o.Mapping,
		enc:      o.Encoder,
		sink:     o.Sink,
		backoff:  backoff.Policy{Initial: o.InitialBackoff, Max: o.MaxBackoff},
		log:      l,
		obs:      o.Observer,
		stop:     make(chan struct{}),
		truncLog: logsample.Sampler{Every: 10 * time.Second},
		stopCtx:  stopCtx,
		cancel:   cancel,
		works:    membudget.New(o.MaxFrameBytes, o.MaxInFlight, newWork, (*work).size),
	}
	return p, nil
}

// Start is the lifecycle's start; the pipeline works on the consumer's goroutines and has nothing to start.
func (p *Pipeline) Start(context.Context) error { return nil }

// Shutdown makes HandleBatch give up instead of waiting for the next attempt (soft stop). A send already in
// progress finishes, bounded by its own deadline or by the context HandleBatch received. It returns at once.
func (p *Pipeline) Shutdown(context.Context) error {
	p.stopOnce.Do(func() {
		close(p.stop)
		p.cancel()
	})
	return nil
}

// Stats returns the cumulative counters.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Batches: p.batches.Load(), Records: p.records.Load(), Bytes: p.bytes.Load(),
		Failures: p.failures.Load(), Truncated: p.truncated.Load(), Sanitized: p.sanitized.Load(),
		Filtered: p.filtered.Load(),
	}
}

// HandleBatch encodes and delivers b; see the package comment.
func (p *Pipeline) HandleBatch(ctx context.Context, b *consumer.Batch) error {
	records := b.Records()
	if records == 0 {
		p.batches.Add(1)
		return nil
	}
	est := p.frameEstimate(records)
	l, err := p.lease(ctx, int64(est)+int64(records)*intBytes)
	if err != nil {
		if p.stopCtx.Err() != nil {
			return ErrStopped
		}
		return fmt.Errorf("shard %d: wait to encode: %w", b.Shard, err)
	}
	defer l.Release()
	w := l.Item()
	n, truncated, filtered := p.encode(w, b, records, est)
	l.Resize()
	if n == 0 {
		p.batches.Add(1)
		p.filtered.Add(uint64(filtered))
		return nil
	}
	for attempt := 0; ; attempt++ {
		select {
		case <-p.stop:
			return ErrStopped
		default:
		}
		start := time.Now()
		err := p.sink.Send(ctx, &w.batch)
		if p.obs != nil {
			p.obs.ObserveSend(b.Shard, time.Since(start), n, len(w.batch.Buf), err)
		}
		if err == nil {
			p.batches.Add(1)
			p.records.Add(uint64(n))
			p.filtered.Add(uint64(filtered))
			p.bytes.Add(uint64(len(w.batch.Buf)))
			if truncated > 0 {
				p.truncated.Add(uint64(truncated))
				if c, ok := p.truncLog.Allow(uint64(truncated)); ok {
					p.log.Warn("records longer than the maximum message size were truncated",
						zap.Int("shard", b.Shard), zap.Uint64("records", c))
				}
			}
			return nil
		}
		p.failures.Add(1)
		if ctx.Err() != nil {
			return fmt.Errorf("shard %d: send batch: %w", b.Shard, ctx.Err())
		}
		wait := p.backoff.Delay(attempt)
		p.log.Warn("batch not delivered, will resend the whole batch",
			zap.Int("shard", b.Shard), zap.String("cursor", b.Cursor), zap.Int("records", n),
			zap.Int("attempt", attempt+1), zap.Duration("retry_in", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-p.stop:
			t.Stop()
			return ErrStopped
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("shard %d: send batch: %w", b.Shard, ctx.Err())
		}
	}
}

// lease waits for an in-flight slot and n bytes of the frame budget, until ctx ends or Shutdown is called.
func (p *Pipeline) lease(ctx context.Context, n int64) (*membudget.Lease[*work], error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	unhook := context.AfterFunc(p.stopCtx, cancel)
	defer unhook()
	l, err := p.works.Acquire(wctx)
	if err != nil {
		return nil, err
	}
	if err := l.Reserve(wctx, n); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

// frameEstimate is the frame buffer expected for records records, from the last batch's average frame size.
func (p *Pipeline) frameEstimate(records int) int {
	return records * int(max(p.frameLen.Load(), 512)) * 9 / 8
}

// encode fills w.batch with one frame per record the mapping did not drop and returns the number of frames, how
// many were truncated and how many records the mapping dropped.
// est is the frame buffer to allocate when the work's cannot hold the frames expected (est includes an eighth of
// headroom, so that a buffer is reused by the next batches of about the same size).
func (p *Pipeline) encode(w *work, b *consumer.Batch, records, est int) (n, truncated, filtered int) {
	buf, ends := w.batch.Buf[:0], w.batch.Ends[:0]
	if cap(ends) < records {
		ends = make([]int, 0, records)
	}
	if cap(buf) < est*8/9 {
		buf = make([]byte, 0, est)
	}
	w.batch.Buf, w.batch.Ends = buf, ends
	sanitized := 0
	for gi := range b.Groups {
		g := &b.Groups[gi]
		var heads []message.Head
		if p.mapping != nil {
			var mr mapping.Result
			g, heads, mr = p.mapping.MapGroup(g, &w.mapped)
			filtered += mr.Dropped
		}
		r := p.enc.AppendGroup(&w.batch, g, heads, &w.scratch)
		truncated += r.Truncated
		sanitized += r.Sanitized
	}
	if p.mapping != nil {
		w.mapped.Release()
	}
	if sanitized > 0 {
		p.sanitized.Add(uint64(sanitized))
	}
	if n := w.batch.Len(); n > 0 {
		p.frameLen.Store(int64(len(w.batch.Buf) / n))
	}
	return w.batch.Len(), truncated, filtered
}
