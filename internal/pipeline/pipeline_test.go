package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
)

// recordingSink fails the first failN sends, then records each delivered batch's frames.
type recordingSink struct {
	sinkBase
	mu        sync.Mutex
	failN     int
	attempts  int
	delivered [][]string
}

func (s *recordingSink) Send(ctx context.Context, b *message.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.attempts <= s.failN {
		return errors.New("connection refused")
	}
	frames := make([]string, len(b.Ends))
	start := 0
	for i, end := range b.Ends {
		frames[i] = string(b.Buf[start:end])
		start = end
	}
	s.delivered = append(s.delivered, frames)
	return nil
}

func testBatch(n int) *consumer.Batch {
	g := record.Group{Topic: "t", Source: "s"}
	for i := 0; i < n; i++ {
		g.Logs = append(g.Logs, record.Log{Time: 1700000000, Contents: []record.Field{{Key: "seq", Value: string(rune('a' + i))}}})
	}
	return &consumer.Batch{Shard: 1, Groups: []record.Group{g}}
}

func newTestPipeline(t *testing.T, s Sink) *Pipeline {
	t.Helper()
	enc, err := kv.NewEncoder(kv.Options{Facility: 1, Severity: 6, Hostname: "h", AppName: "app", Framing: message.FramingLF})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Encoder: enc, Sink: s, InitialBackoff: time.Second, MaxBackoff: 8 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHandleBatchRetriesWholeBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &recordingSink{failN: 3}
		p := newTestPipeline(t, s)
		start := time.Now()
		if err := p.HandleBatch(t.Context(), testBatch(5)); err != nil {
			t.Fatal(err)
		}
		if s.attempts != 4 || len(s.delivered) != 1 || len(s.delivered[0]) != 5 {
			t.Fatalf("attempts=%d delivered=%v", s.attempts, s.delivered)
		}
		for i, f := range s.delivered[0] {
			if !strings.HasSuffix(f, "||seq="+string(rune('a'+i))+"\n") {
				t.Fatalf("frame %d = %q", i, f)
			}
		}
		// Backoff waits of 1, 2 and 4 s with jitter in [d/2, d]: between 3.5 s and 7 s in all.
		if d := time.Since(start); d < 3500*time.Millisecond || d > 7*time.Second {
			t.Fatalf("waited %v", d)
		}
		st := p.Stats()
		if st.Batches != 1 || st.Records != 5 || st.Failures != 3 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestHandleBatchStopDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &recordingSink{failN: 1 << 30}
		p := newTestPipeline(t, s)
		done := make(chan error)
		go func() { done <- p.HandleBatch(t.Context(), testBatch(2)) }()
		time.Sleep(20 * time.Second)
		_ = p.Shutdown(t.Context())
		if err := <-done; !errors.Is(err, ErrStopped) {
			t.Fatalf("err = %v, want ErrStopped", err)
		}
		if len(s.delivered) != 0 {
			t.Fatal("delivered despite failing sender")
		}
	})
}

func TestHandleBatchContextCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &recordingSink{failN: 1 << 30}
		p := newTestPipeline(t, s)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := p.HandleBatch(ctx, testBatch(2)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestHandleBatchEmpty(t *testing.T) {
	s := &recordingSink{}
	p := newTestPipeline(t, s)
	if err := p.HandleBatch(t.Context(), &consumer.Batch{Shard: 3}); err != nil {
		t.Fatal(err)
	}
	if s.attempts != 0 || p.Stats().Batches != 1 {
		t.Fatalf("empty batch: attempts=%d stats=%+v", s.attempts, p.Stats())
	}
}
