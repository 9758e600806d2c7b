package header

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestAppendRFC3164 checks the timestamp against time.Format's "Jan _2 15:04:05", in UTC and in other zones,
// across day, month, year and DST boundaries, with and without the date cache.
func TestAppendRFC3164(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	secs := []uint32{1, 86399, 86400, 951782400 /* 2000-02-29 */, 1764000000, 1774746000 /* 2026-03-29 DST */, 1798761599, 4294967295}
	for _, loc := range []*time.Location{time.UTC, shanghai, berlin} {
		var cache atomic.Uint64
		for _, sec := range secs {
			for _, ns := range []uint32{0, 999_999_999, 1_500_000_000} {
				want := time.Unix(int64(sec), int64(ns)).In(loc).Format("Jan _2 15:04:05")
				if got := string(appendRFC3164(nil, sec, ns, loc, &cache)); got != want {
					t.Errorf("%s: appendRFC3164(%d, %d) = %q, want %q", loc, sec, ns, got, want)
				}
			}
		}
	}
}

func TestAppendRFC3164NoTime(t *testing.T) {
	var cache atomic.Uint64
	before := time.Now().Truncate(time.Second)
	got := string(appendRFC3164(nil, 0, 0, time.UTC, &cache))
	after := time.Now()
	ts, err := time.Parse("Jan _2 15:04:05", got)
	if err != nil {
		t.Fatal(err)
	}
	ts = ts.AddDate(before.UTC().Year(), 0, 0)
	if ts.Before(before.UTC().Add(-time.Second)) || ts.After(after.UTC().Add(time.Second)) {
		t.Errorf("a log without time got %q, want the current time %s", got, before.UTC().Format(time.Stamp))
	}
}
