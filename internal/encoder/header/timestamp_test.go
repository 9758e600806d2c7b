package header

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

func TestAppendTimestamp(t *testing.T) {
	tests := []struct {
		sec, ns uint32
		want    string
	}{
		{0, 0, "-"},
		{0, 1000, "1970-01-01T00:00:00.000001Z"},
		{1, 0, "1970-01-01T00:00:01.000000Z"},
		{1795425745, 147976960, "2026-11-23T09:22:25.147976Z"},
		{1795425745, 999999999, "2026-11-23T09:22:25.999999Z"}, // truncated, not rounded into the next second
		{951782400, 0, "2000-02-29T00:00:00.000000Z"},
		{4107542399, 0, "2100-02-28T23:59:59.000000Z"},
		{4107542400, 0, "2100-03-01T00:00:00.000000Z"}, // 2100 is not a leap year
		{math.MaxUint32, math.MaxUint32, "2106-02-07T06:28:19.294967Z"},
	}
	for _, tt := range tests {
		if got := string(appendTimestamp(nil, tt.sec, tt.ns, nil)); got != tt.want {
			t.Errorf("appendTimestamp(%d, %d) = %s, want %s", tt.sec, tt.ns, got, tt.want)
		}
	}
}

// TestAppendTimestampMatchesTimeFormat compares the hand-written digits with time.Format over the whole uint32
// range, including nanosecond parts above one second (time.Unix normalises them).
func TestAppendTimestampMatchesTimeFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cache atomic.Uint64
	for i := range 200000 {
		sec, ns := rng.Uint32(), rng.Uint32()
		if i%2 == 0 {
			ns %= 1e9
		}
		if sec == 0 && ns == 0 {
			continue
		}
		want := time.Unix(int64(sec), int64(ns)).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		if got := string(appendTimestamp(nil, sec, ns, nil)); got != want {
			t.Fatalf("appendTimestamp(%d, %d) = %s, want %s", sec, ns, got, want)
		}
		// With the day cache, alternating between a cached day and this one.
		if got := string(appendTimestamp(nil, sec, ns, &cache)); got != want {
			t.Fatalf("cached appendTimestamp(%d, %d) = %s, want %s", sec, ns, got, want)
		}
		if i%3 == 0 {
			sec += 1 + uint32(rng.IntN(86400))
			if sec != 0 {
				want = time.Unix(int64(sec), int64(ns)).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
				if got := string(appendTimestamp(nil, sec, ns, &cache)); got != want {
					t.Fatalf("cached appendTimestamp(%d, %d) = %s, want %s", sec, ns, got, want)
				}
			}
		}
	}
	// Every day boundary between 1970 and 2106.
	for d := uint32(0); d < math.MaxUint32/86400; d++ {
		sec := d*86400 + 86399
		want := time.Unix(int64(sec), 0).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		if got := string(appendTimestamp(nil, sec, 0, &cache)); got != want {
			t.Fatalf("appendTimestamp(%d, 0) = %s, want %s", sec, got, want)
		}
	}
}
