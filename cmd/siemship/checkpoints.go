package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/telemetry"
)

func init() {
	commands["checkpoints"] = command{
		summary: "show each shard's checkpoint, its time, the lag and the consumer that saved it",
		details: "It reads the SLS_* variables of siemship run (siemship help-env) and changes nothing.\n" +
			"Exit status: 0 when every shard was inspected and none is stuck on an expired checkpoint, 1 otherwise, 2 for a bad configuration.",
		setup: setupCheckpoints,
	}
}

// shardState is one shard's position in the consumer group. The lag has the definitions of the
// siemship_shard_lag_* metrics (docs/metrics.md).
type shardState struct {
	Shard  int    `json:"shard"`
	Status string `json:"status"` // readwrite or readonly
	// Checkpoint is the group's checkpoint ("" when the group has none yet: the shard starts at SLS_CURSOR_START).
	Checkpoint string `json:"checkpoint"`
	// CheckpointTime is when SLS received the data at the checkpoint (the next record to ship); nil when unknown.
	CheckpointTime *time.Time `json:"checkpoint_time,omitempty"`
	// LagGroups is the number of log groups between the checkpoint (or the start position) and the shard's end.
	LagGroups *int64 `json:"lag_log_groups"`
	// LagSeconds is how long ago SLS received the oldest log group not shipped yet; 0 when caught up.
	LagSeconds *int64 `json:"lag_seconds"`
	// Consumer is the consumer that saved the checkpoint: the shard's holder while the group runs.
	Consumer string     `json:"consumer"`
	Saved    *time.Time `json:"saved,omitempty"`
	// Expired: the checkpoint lies before the oldest retained data. The SDK then retries InvalidCursor forever.
	Expired bool   `json:"expired"`
	Error   string `json:"error,omitempty"`

	begin, end string // the shard's cursors when inspected
}

// groupView is what `siemship checkpoints` reports.
type groupView struct {
	Project  string       `json:"project"`
	Logstore string       `json:"logstore"`
	Group    string       `json:"consumer_group"`
	Shards   []shardState `json:"shards"`
}

// errNoGroup means the consumer group does not exist (yet).
var errNoGroup = errors.New("consumer group does not exist")

// setupCheckpoints is `siemship checkpoints`: a read-only report of the consumer group, from the same environment as
// `siemship run`. Exit 0 when every shard could be inspected and none is stuck on an expired checkpoint, 1
// otherwise, 2 for bad flags or configuration.
func setupCheckpoints(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	timeout := fs.Duration("timeout", 60*time.Second, "deadline for the whole command")
	return func(ctx context.Context, stdout, stderr io.Writer) int {
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return checkpoints(ctx, os.Environ(), *asJSON, stdout, stderr)
	}
}

func checkpoints(ctx context.Context, environ []string, asJSON bool, stdout, stderr io.Writer) int {
	cfg, code := loadConfig(config.LoadSLS, environ, stderr)
	if cfg == nil {
		return code
	}
	cl, err := opsClient(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "siemship checkpoints: %v\n", err)
		return 2
	}
	view, err := inspectGroup(ctx, cl, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "siemship checkpoints: %v\n", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(view); err != nil {
			fmt.Fprintf(stderr, "siemship checkpoints: %v\n", err)
			return 1
		}
	} else {
		printGroup(stdout, view, time.Now())
	}
	for _, s := range view.Shards {
		if s.Error != "" || s.Expired {
			return 1
		}
	}
	return 0
}

// opsClient returns an SLS client configured exactly as `siemship run` configures its consumer.
func opsClient(cfg *config.Config) (sls.ClientInterface, error) {
	cons, err := consumer.New(app.ConsumerOptions(cfg, zap.NewNop()),
		consumer.BatchHandlerFunc(func(context.Context, *consumer.Batch) error { return nil }))
	if err != nil {
		return nil, fmt.Errorf("SLS consumer settings: %w", err)
	}
	return cons.Client(), nil
}

// inspectParallel bounds the SLS requests in flight while inspecting shards.
const inspectParallel = 8

// inspectGroup reads the group's checkpoints and each shard's bounds. Errors about one shard are kept in its
// Error; an error is returned only when the group or the shard list cannot be read (errNoGroup when the group
// does not exist).
func inspectGroup(ctx context.Context, cl sls.ClientInterface, cfg *config.Config) (*groupView, error) {
	view := &groupView{Project: cfg.Project, Logstore: cfg.Logstore, Group: cfg.ConsumerGroup}
	shards, err := withContext(ctx, func() ([]*sls.Shard, error) { return cl.ListShards(cfg.Project, cfg.Logstore) })
	if err != nil {
		return nil, fmt.Errorf("list shards of %s/%s: %w", cfg.Project, cfg.Logstore, err)
	}
	cps, err := withContext(ctx, func() ([]*sls.ConsumerGroupCheckPoint, error) {
		return cl.GetCheckpoint(cfg.Project, cfg.Logstore, cfg.ConsumerGroup)
	})
	if isGroupMissing(err) {
		return nil, fmt.Errorf("%w: %q in %s/%s (siemship run creates it)", errNoGroup, cfg.ConsumerGroup, cfg.Project, cfg.Logstore)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoints of consumer group %q: %w", cfg.ConsumerGroup, err)
	}
	byShard := make(map[int]*sls.ConsumerGroupCheckPoint, len(cps))
	for _, cp := range cps {
		byShard[cp.ShardID] = cp
	}
	sort.Slice(shards, func(i, j int) bool { return shards[i].ShardID < shards[j].ShardID })
	view.Shards = make([]shardState, len(shards))
	sem := make(chan struct{}, inspectParallel)
	var wg sync.WaitGroup
	now := time.Now()
	for i, sh := range shards {
		st := &view.Shards[i]
		*st = shardState{Shard: sh.ShardID, Status: strings.ToLower(sh.Status)}
		if cp := byShard[sh.ShardID]; cp != nil {
			st.Checkpoint, st.Consumer = cp.CheckPoint, cp.Consumer
			if cp.UpdateTime > 0 {
				t := unixAny(cp.UpdateTime)
				st.Saved = &t
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				st.Error = ctx.Err().Error()
				return
			}
			if err := inspectShard(ctx, cl, cfg, st, now); err != nil {
				st.Error = err.Error()
			}
		}()
	}
	wg.Wait()
	return view, nil
}

// inspectShard fills the lag and times of st.
func inspectShard(ctx context.Context, cl sls.ClientInterface, cfg *config.Config, st *shardState, now time.Time) error {
	cursor := func(from string) (string, error) {
		return withContext(ctx, func() (string, error) { return cl.GetCursor(cfg.Project, cfg.Logstore, st.Shard, from) })
	}
	var err error
	if st.begin, err = cursor("begin"); err != nil {
		return fmt.Errorf("begin cursor: %w", err)
	}
	if st.end, err = cursor("end"); err != nil {
		return fmt.Errorf("end cursor: %w", err)
	}
	pos := st.Checkpoint
	if pos == "" {
		if pos, err = cursor(cfg.CursorStart.From()); err != nil {
			return fmt.Errorf("start cursor (SLS_CURSOR_START=%s): %w", cfg.CursorStart, err)
		}
	}
	b, errB := telemetry.DecodeCursor(st.begin)
	e, errE := telemetry.DecodeCursor(st.end)
	p, errP := telemetry.DecodeCursor(pos)
	if err := errors.Join(errB, errE, errP); err != nil {
		return fmt.Errorf("cannot compute the lag of cursors %s, %s, %s: %w", st.begin, st.end, pos, err)
	}
	if p < b {
		st.Expired = true
		p = b // what is left to ship once the checkpoint is reset to begin
	}
	lag := max(e-p, 0)
	st.LagGroups = &lag
	if !st.Expired && p < e {
		t, err := withContext(ctx, func() (time.Time, error) {
			return cl.GetCursorTime(cfg.Project, cfg.Logstore, st.Shard, pos)
		})
		if err != nil {
			return fmt.Errorf("time of cursor %s: %w", pos, err)
		}
		st.CheckpointTime = &t
	}
	var secs int64
	if lag > 0 {
		oldest := st.CheckpointTime
		if oldest == nil { // expired: the oldest retained data is next
			t, err := withContext(ctx, func() (time.Time, error) {
				return cl.GetCursorTime(cfg.Project, cfg.Logstore, st.Shard, st.begin)
			})
			if err != nil {
				return fmt.Errorf("time of the begin cursor: %w", err)
			}
			oldest = &t
		}
		secs = max(int64(now.Sub(*oldest)/time.Second), 0)
	}
	st.LagSeconds = &secs
	return nil
}

// isGroupMissing reports the SLS error for an unknown consumer group.
func isGroupMissing(err error) bool {
	var se *sls.Error
	return errors.As(err, &se) && strings.EqualFold(se.Code, "ConsumerGroupNotExist")
}

// unixAny reads a timestamp that SLS may give in seconds, milliseconds or microseconds.
func unixAny(v int64) time.Time {
	switch {
	case v > 1e14:
		return time.UnixMicro(v)
	case v > 1e11:
		return time.UnixMilli(v)
	}
	return time.Unix(v, 0)
}

// printGroup writes the table of `siemship checkpoints` and a line per problem.
func printGroup(w io.Writer, v *groupView, now time.Time) {
	fmt.Fprintf(w, "consumer group %s of %s/%s\n", v.Group, v.Project, v.Logstore)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tSTATUS\tCHECKPOINT\tCHECKPOINT TIME\tLAG GROUPS\tLAG\tCONSUMER\tSAVED")
	var total int64
	var worst time.Duration
	for _, s := range v.Shards {
		cp := s.Checkpoint
		switch {
		case s.Expired:
			cp += " (EXPIRED)"
		case cp == "":
			cp = "none"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Shard, s.Status, cp, fmtTime(s.CheckpointTime),
			fmtInt(s.LagGroups), fmtSeconds(s.LagSeconds), dash(s.Consumer), fmtAgo(s.Saved, now))
		if s.LagGroups != nil {
			total += *s.LagGroups
		}
		if s.LagSeconds != nil {
			worst = max(worst, time.Duration(*s.LagSeconds)*time.Second)
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "total lag: %d log groups; oldest unshipped data received %s ago\n", total, worst)
	for _, s := range v.Shards {
		switch {
		case s.Error != "":
			fmt.Fprintf(w, "shard %d: ERROR %s\n", s.Shard, s.Error)
		case s.Expired:
			fmt.Fprintf(w, "shard %d: the checkpoint is older than the oldest retained data; siemship is stuck on this shard (InvalidCursor). "+
				"Stop siemship, then: siemship reset-checkpoint --shard %d --to begin --yes\n", s.Shard, s.Shard)
		case s.Checkpoint == "":
			fmt.Fprintf(w, "shard %d: no checkpoint yet; the lag counts from SLS_CURSOR_START\n", s.Shard)
		}
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func fmtAgo(t *time.Time, now time.Time) string {
	if t == nil {
		return "-"
	}
	return now.Sub(*t).Truncate(time.Second).String() + " ago"
}

func fmtInt(v *int64) string {
	if v == nil {
		return "?"
	}
	return strconv.FormatInt(*v, 10)
}

func fmtSeconds(v *int64) string {
	if v == nil {
		return "?"
	}
	return (time.Duration(*v) * time.Second).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
