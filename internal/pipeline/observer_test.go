package pipeline

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
)

type sendEvent struct {
	shard, records, bytes int
	d                     time.Duration
	failed                bool
}

type recordingObserver struct {
	mu     sync.Mutex
	events []sendEvent
}

func (o *recordingObserver) ObserveSend(shard int, d time.Duration, records, bytes int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, sendEvent{shard: shard, records: records, bytes: bytes, d: d, failed: err != nil})
}

type discardSink struct{ sinkBase }

func (discardSink) Send(context.Context, *message.Batch) error { return nil }

type nopObserver struct{}

func (nopObserver) ObserveSend(int, time.Duration, int, int, error) {}

func TestObserverSeesEveryAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		enc, err := kv.NewEncoder(kv.Options{Facility: 1, Severity: 6, Hostname: "h", AppName: "app", Framing: message.FramingLF})
		if err != nil {
			t.Fatal(err)
		}
		s := &recordingSink{failN: 2}
		obs := &recordingObserver{}
		p, err := New(Options{Encoder: enc, Sink: s, InitialBackoff: time.Second, MaxBackoff: time.Second, Observer: obs})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.HandleBatch(t.Context(), testBatch(3)); err != nil {
			t.Fatal(err)
		}
		if err := p.HandleBatch(t.Context(), testBatch(0)); err != nil { // empty: nothing sent, nothing observed
			t.Fatal(err)
		}
		if len(obs.events) != 3 {
			t.Fatalf("events = %+v, want 3 attempts", obs.events)
		}
		bytes := 0
		for _, f := range s.delivered[0] {
			bytes += len(f)
		}
		for i, e := range obs.events {
			want := sendEvent{shard: 1, records: 3, bytes: bytes, failed: i < 2}
			if e != want {
				t.Errorf("event %d = %+v, want %+v", i, e, want)
			}
		}
		st := p.Stats()
		if st.Failures != 2 || st.Records != 3 || st.Bytes != uint64(bytes) {
			t.Errorf("stats = %+v", st)
		}
	})
}

func BenchmarkHandleBatchWithObserver(b *testing.B) {
	enc, err := kv.NewEncoder(kv.Options{Facility: 1, Severity: 6, Hostname: "h", AppName: "app", Framing: message.FramingLF})
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Options{Encoder: enc, Sink: discardSink{}, Observer: nopObserver{}})
	if err != nil {
		b.Fatal(err)
	}
	batch := testBatch(20)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.HandleBatch(b.Context(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
