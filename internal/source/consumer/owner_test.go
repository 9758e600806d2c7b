package consumer

import (
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

func TestServerClock(t *testing.T) {
	// Our mono clock started at server time 1 750 000 000.3 s (unix): that is the true offset.
	const offset = 1_750_000_000*time.Second + 300*time.Millisecond
	date := func(mono time.Duration) time.Time { // the Date header of an answer stamped at mono: truncated to seconds
		return time.Unix(0, int64(mono+offset)).Truncate(time.Second)
	}
	var c serverClock
	if _, ok := c.earliest(1); ok {
		t.Fatal("earliest without samples")
	}
	// Answers stamped 5 ms after sending, at many sub-second phases, each received 5 ms later.
	for i := range 80 {
		stamp := time.Duration(i)*1013*time.Millisecond + 10*time.Second
		c.sample(date(stamp), stamp-5*time.Millisecond, stamp+5*time.Millisecond)
	}
	if c.lo > int64(offset) || c.hi < int64(offset) {
		t.Fatalf("bounds [%d, %d] exclude the true offset %d", c.lo, c.hi, int64(offset))
	}
	if w := time.Duration(c.hi - c.lo); w > 50*time.Millisecond {
		t.Errorf("bounds %s wide after 80 samples, want the round trip and a little", w)
	}
	// A write stamped at mono 90 s: earliest may not lie after it.
	u := (90*time.Second + offset).Microseconds()
	at, ok := c.earliest(u)
	if !ok || at > 90*time.Second || at < 90*time.Second-50*time.Millisecond {
		t.Errorf("earliest(%d µs) = %s, want just before 90s", u, at)
	}
	// The server's clock steps forward by an hour: the next sample contradicts the bounds and they start over.
	stamp := 120 * time.Second
	c.sample(date(stamp).Add(time.Hour), stamp-time.Millisecond, stamp+time.Millisecond)
	if c.hi < int64(offset+time.Hour) || c.lo > int64(offset+time.Hour) {
		t.Errorf("after a step: bounds [%d, %d], want around %d", c.lo, c.hi, int64(offset+time.Hour))
	}
}

func TestServerClockUnits(t *testing.T) {
	c := serverClock{ok: true, lo: 0, hi: 0} // server time = mono time
	want := 1_750_000_000 * time.Second
	for _, v := range []int64{1_750_000_000, 1_750_000_000_000, 1_750_000_000_000_000, 1_750_000_000_000_000_000} {
		if got, ok := c.earliest(v); !ok || got != want {
			t.Errorf("earliest(%d) = %v %v, want %v", v, got, ok, want)
		}
	}
	if _, ok := c.earliest(0); ok {
		t.Error("earliest(0): no update time must not count")
	}
}

// TestOwnerWatchRead is the decision table of the consumer-name check: which server checkpoints of held shards
// count as written by someone else.
func TestOwnerWatchRead(t *testing.T) {
	const (
		s0 = 10 * time.Second // when the shard was first listed
		sv = 20 * time.Second // our save, confirmed then
		rd = 25 * time.Second // the read: sent at rd, answered at rd+10ms
	)
	// The server's clock is ours plus 1 750 000 000 s, known within 10 ms.
	const offset = 1_750_000_000 * time.Second
	stamp := func(mono time.Duration) int64 { return (mono + offset).Microseconds() }
	tests := []struct {
		name     string
		setup    func(w *ownerWatch)
		server   string
		update   int64
		consumer string // of the server's entry; "c1" (ours) when empty
		want     string // "" none, "value" or "time"
	}{
		{name: "another value, no consumer named", server: "C", update: stamp(rd - time.Second), consumer: "-", want: "value"},
		{name: "another value from another consumer name", server: "C", update: stamp(rd - time.Second), consumer: "c2"},
		{name: "written later by another consumer name", server: "B", update: stamp(sv + 800*time.Millisecond), consumer: "c2"},
		{name: "ours", server: "B", update: stamp(sv - 5*time.Millisecond)},
		{name: "another value", server: "C", update: stamp(rd - time.Second), want: "value"},
		{name: "our value, written later", server: "B", update: stamp(sv + 800*time.Millisecond), want: "time"},
		{name: "our value, within the margin", server: "B", update: stamp(sv + 100*time.Millisecond)},
		{name: "no update time", server: "B"},
		{name: "no checkpoint (recreated group)", server: "", update: stamp(rd)},
		{name: "an unconfirmed save of ours landed late", server: "X", update: stamp(rd - time.Second),
			setup: func(w *ownerWatch) {
				w.saveSent(0)
				w.saveDone(0, "X", false, sv+time.Second)
			}},
		{name: "unconfirmed save: a later time proves nothing", server: "B", update: stamp(sv + 2*time.Second),
			setup: func(w *ownerWatch) {
				w.saveSent(0)
				w.saveDone(0, "B", false, sv+time.Second)
			}},
		{name: "unconfirmed long ago", server: "X", update: stamp(rd - time.Second), want: "value",
			setup: func(w *ownerWatch) {
				w.saveSent(0)
				w.saveDone(0, "X", false, sv-2*time.Minute)
			}},
		{name: "our save in flight during the read", server: "C", update: stamp(rd),
			setup: func(w *ownerWatch) { w.saveSent(0) }},
		{name: "released by the latest heartbeat", server: "C", update: stamp(rd),
			setup: func(w *ownerWatch) { w.heartbeat(rd-time.Second, []int{1}) }},
		{name: "released and acquired again, nothing saved since", server: "C", update: stamp(rd),
			setup: func(w *ownerWatch) {
				w.heartbeat(sv+time.Second, []int{1})
				w.heartbeat(sv+2*time.Second, []int{0, 1})
			}},
		{name: "saved before the group came back", server: "C", update: stamp(rd),
			setup: func(w *ownerWatch) { w.settleAt = sv + time.Second }},
		{name: "saved after the group came back", server: "C", update: stamp(rd), want: "value",
			setup: func(w *ownerWatch) { w.settleAt = sv - time.Second }},
		{name: "hold about to lapse", server: "C", update: stamp(rd),
			setup: func(w *ownerWatch) {
				w.shards[0].listedAt = rd - 5*time.Second // timeout 6 s: no heartbeat confirmed it for 5 s
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOwnerWatch("c1", 6*time.Second, 60*time.Second)
			w.clock = serverClock{ok: true, lo: int64(offset - 5*time.Millisecond), hi: int64(offset + 5*time.Millisecond)}
			w.heartbeat(s0, []int{0, 1})
			w.heartbeat(rd-500*time.Millisecond, []int{0, 1})
			w.saveSent(0)
			w.saveDone(0, "A", true, sv-time.Second)
			w.saveSent(0)
			w.saveDone(0, "B", true, sv)
			if tc.setup != nil {
				tc.setup(w)
			}
			consumer := tc.consumer
			switch consumer {
			case "":
				consumer = "c1"
			case "-":
				consumer = ""
			}
			snap := w.snapshot()
			fw := w.read(snap, []*sls.ConsumerGroupCheckPoint{
				{ShardID: 0, CheckPoint: tc.server, UpdateTime: tc.update, Consumer: consumer},
				{ShardID: 1, CheckPoint: "never saved here", UpdateTime: stamp(rd), Consumer: "c1"},
			}, rd, rd+10*time.Millisecond)
			got := ""
			if len(fw) > 1 {
				t.Fatalf("%d foreign writes, want at most one (shard 1 was never saved here): %+v", len(fw), fw)
			}
			if len(fw) == 1 {
				got = "value"
				if fw[0].later > 0 {
					got = "time"
				}
				if fw[0].shard != 0 || fw[0].server != tc.server {
					t.Errorf("foreign write %+v", fw[0])
				}
			}
			if got != tc.want {
				t.Errorf("got %q, want %q (%+v)", got, tc.want, fw)
			}
		})
	}
}

func TestOwnerWatchKnown(t *testing.T) {
	w := newOwnerWatch("c1", 6*time.Second, 60*time.Second)
	w.heartbeat(time.Second, []int{0})
	w.saveSent(0)
	w.saveDone(0, "ours", true, 2*time.Second)
	// Shard 1 is held by another replica: what we read of it is what we know.
	w.read(w.snapshot(), []*sls.ConsumerGroupCheckPoint{{ShardID: 0, CheckPoint: "ours"}, {ShardID: 1, CheckPoint: "theirs"}},
		3*time.Second, 3*time.Second)
	for shard, want := range map[int]string{0: "ours", 1: "theirs", 2: ""} {
		if v, _, _ := w.latest(shard); v != want {
			t.Errorf("latest(%d) = %q, want %q", shard, v, want)
		}
	}
	// A recreated group has no checkpoints: that teaches nothing.
	w.read(w.snapshot(), []*sls.ConsumerGroupCheckPoint{{ShardID: 0}, {ShardID: 1}}, 4*time.Second, 4*time.Second)
	if v, _, _ := w.latest(1); v != "theirs" {
		t.Errorf("after reading an empty group: latest(1) = %q, want theirs", v)
	}
	// A save of ours overlapping a read: the read's value may be older than ours and is not taken.
	w.saveSent(0)
	snap := w.snapshot()
	w.saveDone(0, "newer", true, 5*time.Second)
	w.read(snap, []*sls.ConsumerGroupCheckPoint{{ShardID: 0, CheckPoint: "ours"}}, 4500*time.Millisecond, 5500*time.Millisecond)
	if v, seq, busy := w.latest(0); v != "newer" || seq != 2 || busy {
		t.Errorf("latest(0) = %q %d %v, want newer 2 false", v, seq, busy)
	}
	// The group is deleted: saves fail, but each marks delivered data, which is what a write-back must restore
	// (the last confirmed save would send that data again).
	w.saveSent(0)
	w.saveDone(0, "delivered", false, 6*time.Second)
	if v, _, _ := w.latest(0); v != "delivered" {
		t.Errorf("after a failed save: latest(0) = %q, want delivered", v)
	}
	// What a later read teaches wins over an older attempt.
	w.read(w.snapshot(), []*sls.ConsumerGroupCheckPoint{{ShardID: 0, CheckPoint: "moved"}}, 7*time.Second, 7*time.Second)
	if v, _, _ := w.latest(0); v != "moved" {
		t.Errorf("after a read: latest(0) = %q, want moved", v)
	}
}
