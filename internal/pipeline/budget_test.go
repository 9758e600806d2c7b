package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gateSink holds every Send until a value arrives on release, and counts the sends that started.
type gateSink struct {
	sinkBase
	release chan struct{}
	mu      sync.Mutex
	started int
}

func (s *gateSink) Send(ctx context.Context, _ *message.Batch) error {
	s.mu.Lock()
	s.started++
	s.mu.Unlock()
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *gateSink) sends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

func budgetPipeline(t *testing.T, s Sink, inFlight int, frameBytes int64) *Pipeline {
	t.Helper()
	enc, err := kv.NewEncoder(kv.Options{Facility: 1, Severity: 6, Hostname: "h", AppName: "app", Framing: message.FramingLF})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Encoder: enc, Sink: s, MaxInFlight: inFlight, MaxFrameBytes: frameBytes})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A batch of 100 records reserves 100 × 512 × 9/8 + 100 × 8 = 58400 bytes before its first frame is known.
const batch100 = 58400

// TestFrameBytesBound: with room for four batches in number but one in bytes, the second batch is not encoded
// (and not sent) before the first released its frames; a batch larger than the whole budget runs alone.
func TestFrameBytesBound(t *testing.T) {
	tests := []struct {
		name       string
		frameBytes int64
		parallel   int // sends that may start while the first is held
	}{
		{"room for two", 2 * batch100, 2},
		{"room for one", batch100 + batch100/2, 1},
		{"each batch larger than the budget", 1000, 1},
		{"no byte bound", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &gateSink{release: make(chan struct{})}
				p := budgetPipeline(t, s, 4, tt.frameBytes)
				errs := make(chan error, 3)
				for range 3 {
					go func() { errs <- p.HandleBatch(t.Context(), testBatch(100)) }()
				}
				synctest.Wait()
				if got := s.sends(); got != tt.parallel {
					t.Fatalf("%d sends started at once, want %d", got, tt.parallel)
				}
				if st := p.works.Stats(); tt.frameBytes > 0 && st.Charged > max(tt.frameBytes, batch100) {
					t.Errorf("charged %d bytes with a budget of %d", st.Charged, tt.frameBytes)
				}
				for range 3 {
					s.release <- struct{}{}
				}
				for range 3 {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
				if st := p.Stats(); st.Records != 300 {
					t.Errorf("delivered %d records, want 300", st.Records)
				}
				if st := p.works.Stats(); st.Leases != 0 || st.Charged != 0 {
					t.Errorf("after the batches: %+v", st)
				}
				if st := p.works.Stats(); tt.frameBytes > 0 && st.Cached > tt.frameBytes {
					t.Errorf("kept %d bytes of frame buffers with a budget of %d", st.Cached, tt.frameBytes)
				}
			})
		})
	}
}

// TestStopWhileWaitingForFrameBytes: a batch waiting for the frame budget gives up at Stop, and at its context's
// end, without holding anything.
func TestStopWhileWaitingForFrameBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &gateSink{release: make(chan struct{})}
		p := budgetPipeline(t, s, 4, batch100)
		first := make(chan error, 1)
		go func() { first <- p.HandleBatch(t.Context(), testBatch(100)) }()
		synctest.Wait()

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := p.HandleBatch(ctx, testBatch(100)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiting batch at its context's end: %v", err)
		}
		waiting := make(chan error, 1)
		go func() { waiting <- p.HandleBatch(t.Context(), testBatch(100)) }()
		synctest.Wait()
		_ = p.Shutdown(t.Context())
		if err := <-waiting; !errors.Is(err, ErrStopped) {
			t.Fatalf("waiting batch at Stop: %v, want ErrStopped", err)
		}
		if got := s.sends(); got != 1 {
			t.Errorf("%d sends, want only the first", got)
		}
		s.release <- struct{}{}
		if err := <-first; err != nil {
			t.Fatalf("first batch: %v", err)
		}
		if st := p.works.Stats(); st.Leases != 0 || st.Charged != 0 {
			t.Errorf("after Shutdown: %+v", st)
		}
	})
}
