package ledger

import (
	"fmt"
	"reflect"
	"testing"
)

func TestLedger(t *testing.T) {
	l := New("||")
	msgs := []string{
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||__topic__=||__source__=||seq=0||k=v",
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||__topic__=\\||seq=9||seq=2||k=v", // escaped separator in the topic
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||seq=0",                           // duplicate
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||k=v",                             // no seq
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||seq=300",
	}
	for _, m := range msgs {
		l.Observe([]byte(m))
	}
	got := l.Report()
	want := Report{Received: 5, Unique: 3, Duplicates: 1, NoSeq: 1}
	if got != want {
		t.Fatalf("report %+v, want %+v", got, want)
	}
	if !l.Has(2) || l.Has(9) || !l.Has(300) {
		t.Fatal("Has disagrees with what was observed")
	}
	if m := l.Missing(0, 3, 10); !reflect.DeepEqual(m, []uint64{1, 3}) {
		t.Fatalf("missing %v", m)
	}
}

func BenchmarkObserve(b *testing.B) {
	l := New("||")
	msgs := make([][]byte, 1024)
	for i := range msgs {
		msgs[i] = []byte(fmt.Sprintf("<14>1 2026-01-01T00:00:00.000000Z h a - - - ||__topic__=t||__source__=s||seq=%d||eventName=x", i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Observe(msgs[i%len(msgs)])
		i++
	}
}
