package slsemu

import (
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"
)

func groupsOf(n int) []storedGroup {
	out := make([]storedGroup, n)
	for i := range out {
		out[i] = storedGroup{framed: frameGroup(appendGroupTrailer(nil, "t", "s", nil)), logs: 1}
	}
	return out
}

func TestShardRead(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	sh := newShard(3, [16]byte{}, maxKey, nil, t0)
	if _, err := sh.append(t0, groupsOf(2500)); err != nil {
		t.Fatal(err)
	}
	b := sh.base
	if b != 1_800_000_000*1_000_000_000+3_000_000 {
		t.Fatalf("base = %d", b)
	}
	tests := []struct {
		name     string
		from     int64
		count    int
		end      int64
		wantTo   int64
		wantWin  bool
		wantEnd  bool
		wantFail bool
	}{
		{"small count", b, 10, -1, b + 10, false, false, false},
		{"full window", b, 1000, -1, b + 1000, true, false, false},
		{"second window", b + 1000, 1000, -1, b + 2000, true, false, false},
		{"unaligned stops at the boundary", b + 10, 1000, -1, b + 1000, false, false, false},
		{"incomplete last window", b + 2000, 1000, -1, b + 2500, false, false, false},
		{"small count crosses boundaries", b + 990, 20, -1, b + 1010, false, false, false},
		{"end cursor", b, 1000, b + 5, b + 5, false, true, false},
		{"end cursor before from", b + 5, 10, b + 2, b + 5, false, true, false},
		{"at the end", b + 2500, 10, -1, b + 2500, false, false, false},
		{"past the end", b + 2501, 10, -1, 0, false, false, true},
		{"before the beginning", b - 1, 10, -1, 0, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr, err := sh.read(tt.from, tt.count, tt.end)
			if tt.wantFail {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rr.to != tt.wantTo || int64(len(rr.groups)) != rr.to-rr.from || (rr.win != nil) != tt.wantWin || rr.atEnd != tt.wantEnd {
				t.Errorf("read = to %d (%d groups), window %v, atEnd %v", rr.to-b, len(rr.groups), rr.win != nil, rr.atEnd)
			}
		})
	}

	// Read-only shards report the end.
	sh.readOnly = true
	if rr, _ := sh.read(b+2400, 500, -1); !rr.atEnd {
		t.Error("read to the end of a read-only shard: atEnd false")
	}
	if _, err := sh.append(t0, groupsOf(1)); err == nil {
		t.Error("append to a read-only shard succeeded")
	}
}

func TestShardTimeAndExpiry(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	sh := newShard(0, [16]byte{}, maxKey, nil, t0)
	if tm, err := sh.timeAt(sh.base); err != nil || !tm.Equal(t0) {
		t.Errorf("time of an empty shard = %v, %v", tm, err)
	}
	for i := range 3000 {
		// Receive times never go backwards, even with a clock that does.
		at := t0.Add(time.Duration(i/1000) * time.Minute)
		if i == 2999 {
			at = t0
		}
		if _, err := sh.append(at, groupsOf(1)); err != nil {
			t.Fatal(err)
		}
	}
	b := sh.base
	if got := sh.cursorAt(t0.Unix() + 30); got != b+1000 {
		t.Errorf("cursorAt(t0+30s) = +%d, want +1000", got-b)
	}
	if tm, _ := sh.timeAt(b + 2999); !tm.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("receive time of the last group = %v", tm)
	}
	if tm, _ := sh.timeAt(b + 3000); !tm.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("receive time at the end = %v", tm)
	}
	if _, err := sh.timeAt(b + 3001); err == nil {
		t.Error("timeAt past the end succeeded")
	}

	c := mustCodec(t)
	for _, idx := range sh.completeWindows() {
		sh.window(idx).body(c, compressLZ4, sh.groupsOf(idx))
	}
	if n := sh.expireBefore(t0.Add(90 * time.Second)); n != 2000 {
		t.Fatalf("expired %d groups, want 2000", n)
	}
	if begin, end := sh.bounds(); begin != b+2000 || end != b+3000 {
		t.Errorf("bounds after expiry = +%d, +%d", begin-b, end-b)
	}
	if _, err := sh.read(b+1999, 10, -1); err == nil {
		t.Error("read of an expired cursor succeeded")
	}
	if got := sh.completeWindows(); len(got) != 1 || got[0] != 2 {
		t.Errorf("complete windows after expiry = %v", got)
	}
	sh.wmu.Lock()
	n := len(sh.windows)
	sh.wmu.Unlock()
	if n != 1 {
		t.Errorf("%d cached windows after expiry, want 1", n)
	}
	if sh.logs != 1000 || sh.expired != 2000 {
		t.Errorf("logs %d expired %d", sh.logs, sh.expired)
	}
}

func mustCodec(t testing.TB) *codec {
	c, err := newCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c
}

func TestKeyRangesAndRouting(t *testing.T) {
	ls := newLogstore("p", "l", 3, 0, time.Unix(0, 0), 1)
	want := []string{"00000000000000000000000000000000", "55555555555555555555555555555555", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ffffffffffffffffffffffffffffffff"}
	for i, sh := range ls.shards {
		if hex.EncodeToString(sh.beginKey[:]) != want[i] || hex.EncodeToString(sh.endKey[:]) != want[i+1] {
			t.Errorf("shard %d range %x-%x", i, sh.beginKey, sh.endKey)
		}
	}
	for _, tt := range []struct {
		key     string
		shard   int
		wantErr bool
	}{
		{"00", 0, false},
		{"55555555555555555555555555555554", 0, false},
		{"55555555555555555555555555555555", 1, false},
		{"B", 2, false},
		{"ffffffffffffffffffffffffffffffff", 2, false},
		{"xyz", 0, true},
		{"000000000000000000000000000000000", 0, true},
	} {
		sh, err := ls.pick(tt.key)
		if (err != nil) != tt.wantErr || (err == nil && sh.id != tt.shard) {
			t.Errorf("pick(%q) = %v, %v; want shard %d", tt.key, sh, err, tt.shard)
		}
	}

	parts, err := ls.split(1, nil, time.Unix(10, 0))
	if err != nil {
		t.Fatal(err)
	}
	if parts[1].id != 3 || parts[2].id != 4 || parts[1].parents[0] != 1 ||
		hex.EncodeToString(parts[1].endKey[:]) != "7fffffffffffffffffffffffffffffff" || parts[2].beginKey != parts[1].endKey {
		t.Errorf("split children %d %x-%x, %d %x-%x", parts[1].id, parts[1].beginKey, parts[1].endKey, parts[2].id, parts[2].beginKey, parts[2].endKey)
	}
	if sh, _ := ls.pick("7"); sh.id != 3 {
		t.Errorf("key 7... routed to shard %d, want 3", sh.id)
	}
	if sh, _ := ls.pick("9"); sh.id != 4 {
		t.Errorf("key 9... routed to shard %d, want 4", sh.id)
	}
	if _, err := ls.split(1, nil, time.Unix(10, 0)); err == nil {
		t.Error("splitting a read-only shard succeeded")
	}
	if _, err := ls.split(9, nil, time.Unix(10, 0)); err == nil {
		t.Error("splitting an unknown shard succeeded")
	}
	for range 8 {
		sh, _ := ls.pick("")
		if sh.id == 1 {
			t.Fatal("a load-balanced write went to the read-only shard")
		}
	}
}

func TestRoute(t *testing.T) {
	tests := []struct {
		method, target string
		api, logstore  string
	}{
		{"POST", "/logstores/ls", APIPutLogs, "ls"},
		{"POST", "/logstores/ls/shards/lb", APIPutLogs, "ls"},
		{"POST", "/logstores/ls/shards/route?key=00", APIPutLogs, "ls"},
		{"GET", "/logstores/ls/shards", APIListShards, "ls"},
		{"GET", "/logstores/ls/shards/0?type=cursor&from=begin", APIGetCursor, "ls"},
		{"GET", "/logstores/ls/shards/0?type=cursor_time&cursor=MA==", APIGetCursorTime, "ls"},
		{"GET", "/logstores/ls/shards/0?type=logs&cursor=MA==&count=1", APIPullLogs, "ls"},
		{"GET", "/logstores/ls/shards/0?type=log&cursor=MA==&count=1", APIPullLogs, "ls"},
		{"POST", "/logstores/ls/shards/0?action=split", APISplitShard, "ls"},
		{"GET", "/logstores/ls/consumergroups", APIListConsumerGroup, "ls"},
		{"POST", "/logstores/ls/consumergroups", APICreateConsumerGroup, "ls"},
		{"PUT", "/logstores/ls/consumergroups/cg", APIUpdateConsumerGroup, "ls"},
		{"DELETE", "/logstores/ls/consumergroups/cg", APIDeleteConsumerGroup, "ls"},
		{"POST", "/logstores/ls/consumergroups/cg?type=heartbeat&consumer=c", APIHeartbeat, "ls"},
		{"POST", "/logstores/ls/consumergroups/cg?type=checkpoint&consumer=c", APIUpdateCheckPoint, "ls"},
		{"GET", "/logstores/ls/consumergroups/cg", APIGetCheckPoint, "ls"},
		{"GET", "/logstores/ls/shards/0?type=histogram", apiUnknown, "ls"},
		{"GET", "/logstores", apiUnknown, ""},
		{"GET", "/", apiUnknown, ""},
		{"PATCH", "/logstores/ls", apiUnknown, "ls"},
	}
	for _, tt := range tests {
		api, ls, _, _ := route(httptest.NewRequest(tt.method, tt.target, nil))
		if api != tt.api || ls != tt.logstore {
			t.Errorf("%s %s = %s %q, want %s %q", tt.method, tt.target, api, ls, tt.api, tt.logstore)
		}
	}
}

func TestProjectFromHost(t *testing.T) {
	for host, want := range map[string]string{
		"proj-a.cn-hangzhou.log.aliyuncs.com": "proj-a",
		"proj-a.sls.emu.invalid:8080":         "proj-a",
		"proj-a.127.0.0.1:8080":               "proj-a",
		"127.0.0.1:8080":                      "",
		"[::1]:8080":                          "",
		"localhost:8080":                      "",
		"cn-hangzhou.log.aliyuncs.com":        "cn-hangzhou",
		"a.b":                                 "",
		"pr_oj.example.com":                   "", // not a project name
		"Proj-A.example.com":                  "proj-a",
		"ab.example.com":                      "",
		"bad/name.example.com":                "",
	} {
		if got := projectFromHost(host); got != want {
			t.Errorf("projectFromHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "90m": 90 * time.Minute, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour} {
		if got, err := ParseRetention(in); err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1h", "d", "1.5d", "x7d", "7 d"} {
		if _, err := ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q) succeeded", in)
		}
	}
}
