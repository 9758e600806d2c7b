package telemetry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

// LagAPI is the part of the SLS API the lag measurement uses; sls.ClientInterface implements it.
type LagAPI interface {
	ListShards(project, logstore string) ([]*sls.Shard, error)
	GetCheckpoint(project, logstore, group string) ([]*sls.ConsumerGroupCheckPoint, error)
	GetCursor(project, logstore string, shardID int, from string) (string, error)
	GetCursorTime(project, logstore string, shardID int, cursor string) (time.Time, error)
}

// LagTarget names the consumer group whose lag is measured.
type LagTarget struct {
	Project, Logstore, Group string
	// CursorStart is where the consumer starts a shard without a checkpoint ("begin", "end" or unix seconds, as
	// consumer.Options.CursorStart); the lag of such a shard is measured from there. Empty means begin.
	CursorStart string
}

// ShardLag is how far the consumer group is behind on one shard.
type ShardLag struct {
	Shard    int
	ReadOnly bool   // the shard was split or merged: it receives no new data
	Owner    string // the consumer named in the checkpoint; empty when none
	// Checkpoint is the group's checkpoint, or the start cursor when the shard has none yet (NoCheckpoint).
	Checkpoint   string
	NoCheckpoint bool
	End          string // the shard's end cursor
	// LogGroups is the number of log groups between Checkpoint and End, -1 when a cursor could not be decoded.
	LogGroups int64
	// Seconds is how long ago SLS received the oldest log group not yet checkpointed: 0 when Checkpoint is End,
	// -1 when its time could not be read (for example a checkpoint older than the logstore's retention).
	Seconds float64
}

// MeasureLag reads the shards, the group's checkpoints and each shard's end cursor, and returns the lag of every
// shard ordered by shard ID. The SDK's calls take no context: ctx is checked between them, and each is bounded by
// the client's own request and retry timeouts. A shard whose end or start cursor cannot be read is left out and its
// error joined into the returned error; the other shards are still returned.
func MeasureLag(ctx context.Context, api LagAPI, t LagTarget, now time.Time) ([]ShardLag, error) {
	shards, err := api.ListShards(t.Project, t.Logstore)
	if err != nil {
		return nil, fmt.Errorf("list shards of %s/%s: %w", t.Project, t.Logstore, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cps, err := api.GetCheckpoint(t.Project, t.Logstore, t.Group)
	if err != nil {
		return nil, fmt.Errorf("get checkpoints of group %s: %w", t.Group, err)
	}
	byShard := make(map[int]*sls.ConsumerGroupCheckPoint, len(cps))
	for _, cp := range cps {
		if cp != nil {
			byShard[cp.ShardID] = cp
		}
	}
	start := t.CursorStart
	if start == "" {
		start = "begin"
	}
	slices.SortFunc(shards, func(a, b *sls.Shard) int { return a.ShardID - b.ShardID })
	var errs []error
	out := make([]ShardLag, 0, len(shards))
	for _, sh := range shards {
		if sh == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, errors.Join(append(errs, err)...)
		}
		l := ShardLag{Shard: sh.ShardID, ReadOnly: sh.Status == "readonly", LogGroups: -1, Seconds: -1}
		if cp := byShard[sh.ShardID]; cp != nil {
			l.Checkpoint, l.Owner = cp.CheckPoint, cp.Consumer
		}
		l.End, err = api.GetCursor(t.Project, t.Logstore, sh.ShardID, "end")
		if err != nil {
			errs = append(errs, fmt.Errorf("shard %d: end cursor: %w", sh.ShardID, err))
			continue
		}
		if l.Checkpoint == "" {
			l.NoCheckpoint = true
			l.Checkpoint, err = api.GetCursor(t.Project, t.Logstore, sh.ShardID, start)
			if err != nil {
				errs = append(errs, fmt.Errorf("shard %d: %s cursor: %w", sh.ShardID, start, err))
				continue
			}
		}
		if l.Checkpoint == l.End {
			l.LogGroups, l.Seconds = 0, 0
			out = append(out, l)
			continue
		}
		if from, err1 := DecodeCursor(l.Checkpoint); err1 == nil {
			if to, err2 := DecodeCursor(l.End); err2 == nil {
				l.LogGroups = max(to-from, 0)
			}
		}
		if l.LogGroups == 0 { // past the end (e.g. a checkpoint written before a shard was truncated): nothing to read
			l.Seconds = 0
			out = append(out, l)
			continue
		}
		if err := ctx.Err(); err != nil {
			return out, errors.Join(append(errs, err)...)
		}
		if ts, err := api.GetCursorTime(t.Project, t.Logstore, sh.ShardID, l.Checkpoint); err == nil {
			l.Seconds = max(now.Sub(ts).Seconds(), 0)
		} else {
			errs = append(errs, fmt.Errorf("shard %d: time of cursor %s: %w", sh.ShardID, l.Checkpoint, err))
		}
		out = append(out, l)
	}
	return out, errors.Join(errs...)
}
