package slsemu_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func TestSDKPutAndPull(t *testing.T) {
	for _, tc := range []struct {
		name     string
		put      int // sls.Compress_*
		pull     int
		hashKey  string
		groupLen int
	}{
		{"lz4", sls.Compress_LZ4, sls.Compress_LZ4, "", 3},
		{"zstd", sls.Compress_ZSTD, sls.Compress_ZSTD, "", 2},
		{"none-route", sls.Compress_None, sls.Compress_LZ4, "00000000000000000000000000000000", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEmu(t, 1, slsemu.Options{})
			c := e.client(t)
			const groups = 5
			for i := range groups {
				req := &sls.PostLogStoreLogsRequest{LogGroup: logGroup(i*tc.groupLen, tc.groupLen), CompressType: tc.put}
				if tc.hashKey != "" {
					req.HashKey = str(tc.hashKey)
				}
				if err := c.PostLogStoreLogsV2(testProject, testLogstore, req); err != nil {
					t.Fatalf("put %d: %v", i, err)
				}
			}
			begin, err := c.GetCursor(testProject, testLogstore, 0, "begin")
			if err != nil {
				t.Fatal(err)
			}
			end, err := c.GetCursor(testProject, testLogstore, 0, "end")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := slsemu.DecodeCursor(begin)
			en, _ := slsemu.DecodeCursor(end)
			if en-b != groups {
				t.Fatalf("end-begin = %d, want %d", en-b, groups)
			}
			var got []int
			cursor := begin
			pulls := 0
			for {
				lgl, meta, err := c.PullLogsWithQuery(&sls.PullLogRequest{Project: testProject, Logstore: testLogstore,
					ShardID: 0, Cursor: cursor, LogGroupMaxCount: 2, CompressType: tc.pull})
				if err != nil {
					t.Fatal(err)
				}
				pulls++
				for i, g := range lgl.LogGroups {
					if want := slsemu.EncodeCursor(mustDecode(t, cursor) + int64(i)); g.GetCursor() != want {
						t.Errorf("group %d cursor %s, want %s", i, g.GetCursor(), want)
					}
				}
				got = append(got, seqs(t, lgl)...)
				if meta.NextCursor == cursor {
					if meta.Count != 0 || len(lgl.LogGroups) != 0 {
						t.Fatalf("next == cursor with %d groups", meta.Count)
					}
					break
				}
				cursor = meta.NextCursor
			}
			if cursor != end {
				t.Errorf("final cursor %s, want end %s", cursor, end)
			}
			if pulls != 4 { // 2+2+1 then the empty pull
				t.Errorf("pulls = %d, want 4", pulls)
			}
			want := make([]int, groups*tc.groupLen)
			for i := range want {
				want[i] = i
			}
			if !slices.Equal(got, want) {
				t.Errorf("seqs = %v, want %v", got, want)
			}
		})
	}
}

func mustDecode(t testing.TB, c string) int64 {
	t.Helper()
	v, err := slsemu.DecodeCursor(c)
	if err != nil {
		t.Fatalf("decode %q: %v", c, err)
	}
	return v
}

func TestSDKListShardsAndCursors(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	e := startEmu(t, 4, slsemu.Options{Now: clock})
	c := e.client(t)

	shards, err := c.ListShards(testProject, testLogstore)
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) != 4 {
		t.Fatalf("%d shards, want 4", len(shards))
	}
	wantKeys := []string{"00000000000000000000000000000000", "40000000000000000000000000000000", "80000000000000000000000000000000", "c0000000000000000000000000000000", "ffffffffffffffffffffffffffffffff"}
	for i, sh := range shards {
		if sh.ShardID != i || sh.Status != "readwrite" || sh.InclusiveBeginKey != wantKeys[i] || sh.ExclusiveBeginKey != wantKeys[i+1] {
			t.Errorf("shard %d = %+v", i, *sh)
		}
	}

	// Three groups received at t0, t0+10s, t0+20s on shard 0.
	t0 := now
	for i := range 3 {
		now = t0.Add(time.Duration(i) * 10 * time.Second)
		if _, err := e.Put(testProject, testLogstore, 0, logGroup(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	begin, _ := c.GetCursor(testProject, testLogstore, 0, "begin")
	b := mustDecode(t, begin)
	tests := []struct {
		from string
		want int64
	}{
		{"begin", b},
		{"end", b + 3},
		{"0", b},
		{itoa(t0.Unix()), b},
		{itoa(t0.Unix() + 1), b + 1},
		{itoa(t0.Unix() + 10), b + 1},
		{itoa(t0.Unix() + 20), b + 2},
		{itoa(t0.Unix() + 21), b + 3},
	}
	for _, tt := range tests {
		got, err := c.GetCursor(testProject, testLogstore, 0, tt.from)
		if err != nil {
			t.Fatalf("from=%s: %v", tt.from, err)
		}
		if mustDecode(t, got) != tt.want {
			t.Errorf("from=%s: cursor %d, want %d", tt.from, mustDecode(t, got), tt.want)
		}
	}
	for i := range 3 {
		ct, err := c.GetCursorTime(testProject, testLogstore, 0, slsemu.EncodeCursor(b+int64(i)))
		if err != nil {
			t.Fatal(err)
		}
		if want := t0.Unix() + int64(i)*10; ct.Unix() != want {
			t.Errorf("cursor time %d = %d, want %d", i, ct.Unix(), want)
		}
	}
	prev, err := c.(*sls.Client).GetPrevCursorTime(testProject, testLogstore, 0, slsemu.EncodeCursor(b+3))
	if err != nil || prev.Unix() != t0.Unix()+20 {
		t.Errorf("GetPrevCursorTime(end) = %v, %v; want %d", prev.Unix(), err, t0.Unix()+20)
	}

	// Unknown shard, project and logstore give the real error codes.
	_, err = c.GetCursor(testProject, testLogstore, 9, "begin")
	if err == nil || !strings.Contains(err.Error(), "ShardNotExist") {
		t.Errorf("unknown shard: %v", err)
	}
	_, err = c.ListShards("nope", testLogstore)
	assertSLSError(t, err, 404, "ProjectNotExist")
	_, err = c.ListShards(testProject, "nope")
	assertSLSError(t, err, 404, "LogStoreNotExist")
}

func TestSDKPullEndCursorAndInvalidCursor(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	c := e.client(t)
	for i := range 10 {
		if _, err := e.Put(testProject, testLogstore, 0, logGroup(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	begin, _ := c.GetCursor(testProject, testLogstore, 0, "begin")
	b := mustDecode(t, begin)
	lgl, next, err := c.PullLogs(testProject, testLogstore, 0, begin, slsemu.EncodeCursor(b+4), 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(t, lgl); !slices.Equal(got, []int{0, 1, 2, 3}) || next != slsemu.EncodeCursor(b+4) {
		t.Errorf("end_cursor pull = %v next %s", got, next)
	}
	for _, bad := range []string{slsemu.EncodeCursor(b - 1), slsemu.EncodeCursor(b + 11), "not-a-cursor"} {
		_, _, err := c.PullLogs(testProject, testLogstore, 0, bad, "", 10)
		assertSLSError(t, err, 400, "InvalidCursor")
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func assertSLSError(t testing.TB, err error, status int32, code string) {
	t.Helper()
	var se *sls.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want *sls.Error %s", err, err, code)
	}
	if se.HTTPCode != status || se.Code != code || se.RequestID == "" {
		t.Fatalf("error = %d %s (request id %q), want %d %s", se.HTTPCode, se.Code, se.RequestID, status, code)
	}
}
