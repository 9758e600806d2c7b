package telemetry

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

func cur(n int64) string { return base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10))) }

// fakeShard is one shard of fakeAPI: log groups begin..end-1, group i received at times[i-begin].
type fakeShard struct {
	status     string
	begin, end int64
	received   time.Time // receive time of every log group (enough for the tests)
	checkpoint string
	owner      string
	endErr     error
	timeErr    error
}

// fakeAPI is an SLS with a consumer group, in memory.
type fakeAPI struct {
	mu        sync.Mutex
	shards    map[int]*fakeShard
	listErr   error
	cpErr     error
	calls     int
	onCall    func() // called at the start of every call
	cursorArg []string
}

func (a *fakeAPI) call() {
	a.calls++
	if a.onCall != nil {
		a.onCall()
	}
}

func (a *fakeAPI) ListShards(project, logstore string) ([]*sls.Shard, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.call()
	if a.listErr != nil {
		return nil, a.listErr
	}
	var out []*sls.Shard
	for id := len(a.shards) - 1; id >= 0; id-- { // deliberately unordered
		if s := a.shards[id]; s != nil {
			st := s.status
			if st == "" {
				st = "readwrite"
			}
			out = append(out, &sls.Shard{ShardID: id, Status: st})
		}
	}
	return out, nil
}

func (a *fakeAPI) GetCheckpoint(project, logstore, group string) ([]*sls.ConsumerGroupCheckPoint, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.call()
	if a.cpErr != nil {
		return nil, a.cpErr
	}
	var out []*sls.ConsumerGroupCheckPoint
	for id, s := range a.shards {
		out = append(out, &sls.ConsumerGroupCheckPoint{ShardID: id, CheckPoint: s.checkpoint, Consumer: s.owner})
	}
	return out, nil
}

func (a *fakeAPI) GetCursor(project, logstore string, shardID int, from string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.call()
	a.cursorArg = append(a.cursorArg, from)
	s := a.shards[shardID]
	switch from {
	case "end":
		if s.endErr != nil {
			return "", s.endErr
		}
		return cur(s.end), nil
	case "begin":
		return cur(s.begin), nil
	default:
		return cur(s.end), nil // a time: the tests' data is all older
	}
}

func (a *fakeAPI) GetCursorTime(project, logstore string, shardID int, cursor string) (time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.call()
	s := a.shards[shardID]
	if s.timeErr != nil {
		return time.Time{}, s.timeErr
	}
	n, err := DecodeCursor(cursor)
	if err != nil || n < s.begin || n >= s.end {
		return time.Time{}, errors.New("InvalidCursor")
	}
	return s.received, nil
}

func (a *fakeAPI) set(shard int, f func(*fakeShard)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a.shards[shard])
}

var now0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestMeasureLag(t *testing.T) {
	errDown := errors.New("connection refused")
	tests := []struct {
		name    string
		shards  map[int]*fakeShard
		start   string
		want    []ShardLag
		wantErr string
	}{
		{
			name:   "caught up",
			shards: map[int]*fakeShard{0: {begin: 100, end: 150, checkpoint: cur(150), owner: "c1"}},
			want:   []ShardLag{{Shard: 0, Owner: "c1", Checkpoint: cur(150), End: cur(150), LogGroups: 0, Seconds: 0}},
		},
		{
			name:   "behind",
			shards: map[int]*fakeShard{0: {begin: 100, end: 150, checkpoint: cur(120), received: now0.Add(-90 * time.Second)}},
			want:   []ShardLag{{Shard: 0, Checkpoint: cur(120), End: cur(150), LogGroups: 30, Seconds: 90}},
		},
		{
			name:   "receive time in the future (clock skew) counts as 0 s",
			shards: map[int]*fakeShard{0: {begin: 0, end: 5, checkpoint: cur(1), received: now0.Add(time.Minute)}},
			want:   []ShardLag{{Shard: 0, Checkpoint: cur(1), End: cur(5), LogGroups: 4, Seconds: 0}},
		},
		{
			name:   "no checkpoint, start at begin",
			shards: map[int]*fakeShard{0: {begin: 10, end: 20, received: now0.Add(-time.Hour)}},
			want:   []ShardLag{{Shard: 0, Checkpoint: cur(10), NoCheckpoint: true, End: cur(20), LogGroups: 10, Seconds: 3600}},
		},
		{
			name:   "no checkpoint, start at end",
			start:  "end",
			shards: map[int]*fakeShard{0: {begin: 10, end: 20}},
			want:   []ShardLag{{Shard: 0, Checkpoint: cur(20), NoCheckpoint: true, End: cur(20), LogGroups: 0, Seconds: 0}},
		},
		{
			name: "shards ordered, read-only drained",
			shards: map[int]*fakeShard{
				0: {status: "readonly", begin: 0, end: 7, checkpoint: cur(7)},
				1: {begin: 3, end: 9, checkpoint: cur(8), received: now0.Add(-2 * time.Second)},
			},
			want: []ShardLag{
				{Shard: 0, ReadOnly: true, Checkpoint: cur(7), End: cur(7), LogGroups: 0, Seconds: 0},
				{Shard: 1, Checkpoint: cur(8), End: cur(9), LogGroups: 1, Seconds: 2},
			},
		},
		{
			name:    "checkpoint older than the retention: groups known, seconds not",
			shards:  map[int]*fakeShard{0: {begin: 500, end: 600, checkpoint: cur(400)}},
			want:    []ShardLag{{Shard: 0, Checkpoint: cur(400), End: cur(600), LogGroups: 200, Seconds: -1}},
			wantErr: "shard 0: time of cursor",
		},
		{
			name:    "undecodable checkpoint: seconds known, groups not",
			shards:  map[int]*fakeShard{0: {begin: 0, end: 600, checkpoint: "opaque", received: now0.Add(-time.Second), timeErr: nil}},
			wantErr: "shard 0: time of cursor", // the fake cannot read the time of an opaque cursor either
			want:    []ShardLag{{Shard: 0, Checkpoint: "opaque", End: cur(600), LogGroups: -1, Seconds: -1}},
		},
		{
			name: "one shard's end cursor fails: the others are still measured",
			shards: map[int]*fakeShard{
				0: {begin: 0, end: 5, checkpoint: cur(5), endErr: errDown},
				1: {begin: 0, end: 5, checkpoint: cur(5)},
			},
			want:    []ShardLag{{Shard: 1, Checkpoint: cur(5), End: cur(5), LogGroups: 0, Seconds: 0}},
			wantErr: "shard 0: end cursor: connection refused",
		},
		{
			name:   "checkpoint past the end",
			shards: map[int]*fakeShard{0: {begin: 0, end: 5, checkpoint: cur(9)}},
			want:   []ShardLag{{Shard: 0, Checkpoint: cur(9), End: cur(5), LogGroups: 0, Seconds: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{shards: tt.shards}
			got, err := MeasureLag(t.Context(), api, LagTarget{Project: "p", Logstore: "l", Group: "g", CursorStart: tt.start}, now0)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("shard %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestMeasureLagErrors(t *testing.T) {
	api := &fakeAPI{shards: map[int]*fakeShard{0: {end: 1}}, listErr: errors.New("ProjectNotExist")}
	if _, err := MeasureLag(t.Context(), api, LagTarget{Project: "p", Logstore: "l"}, now0); err == nil || !strings.Contains(err.Error(), "list shards of p/l: ProjectNotExist") {
		t.Errorf("list error: %v", err)
	}
	api = &fakeAPI{shards: map[int]*fakeShard{0: {end: 1}}, cpErr: errors.New("ConsumerGroupNotExist")}
	if _, err := MeasureLag(t.Context(), api, LagTarget{Group: "g"}, now0); err == nil || !strings.Contains(err.Error(), "get checkpoints of group g: ConsumerGroupNotExist") {
		t.Errorf("checkpoint error: %v", err)
	}

	// A cancelled context stops between calls.
	ctx, cancel := context.WithCancel(t.Context())
	api = &fakeAPI{shards: map[int]*fakeShard{0: {end: 1}, 1: {end: 1}, 2: {end: 1}}}
	api.onCall = func() {
		if api.calls == 3 { // list, checkpoints, the first end cursor
			cancel()
		}
	}
	got, err := MeasureLag(ctx, api, LagTarget{}, now0)
	if !errors.Is(err, context.Canceled) || len(got) > 1 || api.calls > 4 {
		t.Errorf("after cancel: %d shards, %d calls, err %v", len(got), api.calls, err)
	}
}
