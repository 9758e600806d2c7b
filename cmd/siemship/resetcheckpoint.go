package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/siemship/siemship/internal/config"
)

func init() {
	commands["reset-checkpoint"] = command{
		summary: "move shard checkpoints to begin, end or a time (stop siemship first; needs --yes)",
		details: "siemship reset-checkpoint --shard N|all --to begin|end|<RFC 3339 time>|<unix seconds> [--yes]\n" +
			"It reads the SLS_* variables of siemship run (siemship help-env). Without --yes it only prints the plan.",
		setup: setupResetCheckpoint,
	}
}

// resetConsumer is the consumer name the reset is saved under, so that `siemship checkpoints` shows who moved it.
const resetConsumer = "siemship-reset-checkpoint"

// setupResetCheckpoint is `siemship reset-checkpoint --shard N|all --to begin|end|<time> [--yes]`: for a checkpoint
// that expired (the shard is stuck on InvalidCursor) or a SIEM that needs a replay. Without --yes it only prints
// the plan. Exit 0 when applied and verified, 1 when refused or failed, 2 for bad flags or configuration.
func setupResetCheckpoint(fs *flag.FlagSet) runFunc {
	shardFlag := fs.String("shard", "", "shard ID, or all (required)")
	toFlag := fs.String("to", "", "begin, end, an RFC 3339 time (2026-01-02T15:04:05Z) or unix seconds: the SLS receive time to restart from (required)")
	yes := fs.Bool("yes", false, "apply the change (without it, only the plan is printed)")
	timeout := fs.Duration("timeout", 60*time.Second, "deadline for the whole command")
	return func(ctx context.Context, stdout, stderr io.Writer) int {
		return runResetCheckpoint(ctx, *shardFlag, *toFlag, *yes, *timeout, stdout, stderr)
	}
}

func runResetCheckpoint(ctx context.Context, shardFlag, toFlag string, yes bool, timeout time.Duration, stdout, stderr io.Writer) int {
	if shardFlag == "" || toFlag == "" {
		fmt.Fprintln(stderr, "usage: siemship reset-checkpoint --shard N|all --to begin|end|<RFC 3339 time>|<unix seconds> [--yes]")
		return 2
	}
	shard := -1
	if shardFlag != "all" {
		n, err := strconv.Atoi(shardFlag)
		if err != nil || n < 0 {
			fmt.Fprintf(stderr, "siemship reset-checkpoint: --shard %q: want a shard ID or all\n", shardFlag)
			return 2
		}
		shard = n
	}
	var to config.CursorStart
	if err := to.Decode(toFlag); err != nil {
		fmt.Fprintf(stderr, "siemship reset-checkpoint: --to %q: %v\n", toFlag, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return resetCheckpoint(ctx, os.Environ(), shard, to, yes, stdout, stderr)
}

// resetCheckpoint moves the checkpoint of shard (-1: every shard) to the cursor of to.
func resetCheckpoint(ctx context.Context, environ []string, shard int, to config.CursorStart, yes bool, stdout, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "siemship reset-checkpoint: "+format+"\n", args...)
		return 1
	}
	cfg, code := loadConfig(config.LoadSLS, environ, stderr)
	if cfg == nil {
		return code
	}
	cl, err := opsClient(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "siemship reset-checkpoint: %v\n", err)
		return 2
	}
	before, err := inspectGroup(ctx, cl, cfg)
	if err != nil {
		return fail("%v", err)
	}
	var targets []int
	for _, s := range before.Shards {
		if shard < 0 || s.Shard == shard {
			targets = append(targets, s.Shard)
		}
	}
	if len(targets) == 0 {
		return fail("shard %d does not exist in %s/%s", shard, cfg.Project, cfg.Logstore)
	}

	fmt.Fprintln(stdout, "before:")
	printGroup(stdout, before, time.Now())
	from := to.From()
	plan := make(map[int]string, len(targets))
	fmt.Fprintf(stdout, "\nplan: move to %s\n", to)
	for _, id := range targets {
		c, err := withContext(ctx, func() (string, error) { return cl.GetCursor(cfg.Project, cfg.Logstore, id, from) })
		if err != nil {
			return fail("cursor of shard %d at %s: %v", id, to, err)
		}
		plan[id] = c
		old := "none"
		for _, s := range before.Shards {
			if s.Shard == id && s.Checkpoint != "" {
				old = s.Checkpoint
			}
		}
		fmt.Fprintf(stdout, "  shard %d: %s -> %s\n", id, old, c)
	}
	fmt.Fprintln(stdout, "\nA running siemship keeps its position in memory and overwrites a reset with its next checkpoint:"+
		"\nstop every siemship of the consumer group first (kubectl scale --replicas=0, supervisorctl stop), reset, then start them.")
	if !yes {
		fmt.Fprintln(stdout, "\nnothing changed: rerun with --yes to apply")
		return fail("refusing to change checkpoints without --yes")
	}

	for _, id := range targets {
		_, err := withContext(ctx, func() (struct{}, error) {
			return struct{}{}, cl.UpdateCheckpoint(cfg.Project, cfg.Logstore, cfg.ConsumerGroup, resetConsumer, id, plan[id], true)
		})
		if err != nil {
			return fail("update the checkpoint of shard %d: %v", id, err)
		}
	}
	after, err := inspectGroup(ctx, cl, cfg)
	if err != nil {
		return fail("read back: %v", err)
	}
	fmt.Fprintln(stdout, "\nafter:")
	printGroup(stdout, after, time.Now())
	var wrong []string
	for _, s := range after.Shards {
		if c, ok := plan[s.Shard]; ok && s.Checkpoint != c {
			wrong = append(wrong, fmt.Sprintf("shard %d is at %s, not %s", s.Shard, s.Checkpoint, c))
		}
	}
	if len(wrong) > 0 {
		return fail("the reset did not stick (is a siemship still running?): %s", strings.Join(wrong, "; "))
	}
	fmt.Fprintf(stdout, "\nreset %d shard(s) to %s\n", len(targets), to)
	return 0
}
