package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// startClockedEmulator is harness.StartEmulator with a clock that the test can set back, so that data can be
// received "in the past".
func startClockedEmulator(t *testing.T, shards int) (*harness.Emulator, *atomic.Int64) {
	t.Helper()
	var offset atomic.Int64 // added to the wall clock
	s := slsemu.New(slsemu.Options{Logger: zap.NewNop(), Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	s.AddKey(harness.KeyID, harness.Secret)
	if err := s.AddLogstore(harness.Project, harness.Logstore, shards, 0); err != nil {
		t.Fatal(err)
	}
	u, err := s.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	pu, _ := url.Parse(u)
	return &harness.Emulator{Server: s, URL: u, Endpoint: pu.Host}, &offset
}

// inspect runs `siemship checkpoints --json` and returns the exit status and the shards.
func inspect(t *testing.T, env []string) (int, []shardState, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := checkpoints(t.Context(), env, true, &stdout, &stderr)
	if code == 2 || stdout.Len() == 0 {
		return code, nil, stderr.String()
	}
	var v groupView
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatalf("checkpoints --json: %v\n%s", err, stdout.String())
	}
	return code, v.Shards, stderr.String()
}

// ship runs the built siemship until the ledger has received want messages in total, then stops it with SIGTERM.
// The binary users run, rather than siemship in-process.
func ship(t *testing.T, env []string, led *ledger.Ledger, want uint64) {
	t.Helper()
	cmd := exec.Command(harness.Binary(t), "run")
	cmd.Env = append(env, "PATH="+os.Getenv("PATH"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for led.Report().Received < want {
		select {
		case err := <-exited:
			t.Fatalf("siemship exited early: %v\n%s", err, logs.String())
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("received %+v, want %d messages\n%s", led.Report(), want, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Fatalf("siemship stopped with %v\n%s", err, logs.String())
	}
}

func lagOf(t *testing.T, shards []shardState) (groups, seconds []int64) {
	t.Helper()
	for _, s := range shards {
		if s.LagGroups == nil || s.LagSeconds == nil {
			t.Fatalf("shard %d: lag unknown: %+v", s.Shard, s)
		}
		groups = append(groups, *s.LagGroups)
		seconds = append(seconds, *s.LagSeconds)
	}
	return groups, seconds
}

func reset(t *testing.T, env []string, shard int, to string, yes bool) (int, string) {
	t.Helper()
	var c config.CursorStart
	if err := c.Decode(to); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := resetCheckpoint(t.Context(), env, shard, c, yes, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// TestCheckpointsAndReset drives both operator commands against the emulator: a group that does not exist, a
// drained group, a replay of one shard from the beginning and of another from a time, and an expired checkpoint.
func TestCheckpointsAndReset(t *testing.T) {
	emu, offset := startClockedEmulator(t, 2)
	// 40 records (4 log groups of 10, 2 per shard) received 90 s ago, 40 more now.
	offset.Store(int64(-90 * time.Second))
	if err := emu.Generate(harness.Project, harness.Logstore, 40); err != nil {
		t.Fatal(err)
	}
	offset.Store(0)
	if err := emu.Generate(harness.Project, harness.Logstore, 40); err != nil {
		t.Fatal(err)
	}
	led := ledger.New("||")
	recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, led.Observe)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	env := emu.Env(recv.Addr(), "tcp")

	// No group yet.
	code, _, stderr := inspect(t, env)
	if code != 1 || !strings.Contains(stderr, "consumer group does not exist") {
		t.Fatalf("checkpoints before the first run: exit %d, %q", code, stderr)
	}
	if code, out := reset(t, env, 0, "begin", true); code != 1 || !strings.Contains(out, "consumer group does not exist") {
		t.Fatalf("reset without a group: exit %d\n%s", code, out)
	}

	// Drained: no lag, the checkpoints saved by e2e-1.
	ship(t, env, led, 80)
	code, shards, stderr := inspect(t, env)
	if code != 0 || len(shards) != 2 {
		t.Fatalf("checkpoints: exit %d, %d shards, %s", code, len(shards), stderr)
	}
	if g, s := lagOf(t, shards); g[0] != 0 || g[1] != 0 || s[0] != 0 || s[1] != 0 {
		t.Errorf("lag after draining: %v log groups, %v s; want zeros", g, s)
	}
	drained := map[int]string{}
	for _, s := range shards {
		drained[s.Shard] = s.Checkpoint
		if s.Consumer != "e2e-1" || s.Checkpoint == "" || s.Saved == nil || s.Status != "readwrite" || s.Expired {
			t.Errorf("shard %d: %+v", s.Shard, s)
		}
	}
	var table bytes.Buffer
	if code := checkpoints(t.Context(), env, false, &table, &table); code != 0 ||
		!strings.Contains(table.String(), "SHARD  STATUS") || !strings.Contains(table.String(), "total lag: 0 log groups") {
		t.Errorf("table: exit %d\n%s", code, table.String())
	}

	// Without --yes nothing changes.
	code, out := reset(t, env, 0, "begin", false)
	if code != 1 || !strings.Contains(out, "rerun with --yes") || !strings.Contains(out, "shard 0: "+drained[0]+" -> ") {
		t.Fatalf("reset without --yes: exit %d\n%s", code, out)
	}
	if _, shards, _ := inspect(t, env); shards[0].Checkpoint != drained[0] {
		t.Fatalf("reset without --yes moved shard 0 to %s", shards[0].Checkpoint)
	}

	// Shard 0 back to the beginning: 4 log groups to ship again, the oldest received 90 s ago.
	if code, out := reset(t, env, 0, "begin", true); code != 0 || !strings.Contains(out, "before:") || !strings.Contains(out, "after:") {
		t.Fatalf("reset shard 0: exit %d\n%s", code, out)
	}
	// Shard 1 to a time between the two batches: its 2 recent log groups again.
	at := time.Now().Add(-45 * time.Second).UTC().Format(time.RFC3339)
	if code, out := reset(t, env, 1, at, true); code != 0 {
		t.Fatalf("reset shard 1 to %s: exit %d\n%s", at, code, out)
	}
	_, shards, _ = inspect(t, env)
	g, s := lagOf(t, shards)
	if g[0] != 4 || g[1] != 2 {
		t.Errorf("lag after the resets: %v log groups, want [4 2]", g)
	}
	if s[0] < 89 || s[0] > 120 || s[1] > 30 {
		t.Errorf("lag after the resets: %v s, want about [90 0]", s)
	}
	if shards[0].Consumer != resetConsumer || shards[0].CheckpointTime == nil {
		t.Errorf("shard 0 after reset: %+v", shards[0])
	}

	// siemship replays exactly what the resets asked for: 40 + 20 duplicates, nothing lost.
	ship(t, env, led, 80+60)
	if r := led.Report(); r.Unique != 80 || r.Duplicates != 60 {
		t.Errorf("after the replay: %+v, want 80 unique and 60 duplicates", r)
	}
	if _, shards, _ = inspect(t, env); shards[0].Checkpoint != drained[0] || shards[1].Checkpoint != drained[1] {
		t.Errorf("after the replay the checkpoints are %s, %s; want the drained %v", shards[0].Checkpoint, shards[1].Checkpoint, drained)
	}

	// An expired checkpoint: reset to begin, then retention drops the old batch.
	if code, out := reset(t, env, -1, "begin", true); code != 0 {
		t.Fatalf("reset all: exit %d\n%s", code, out)
	}
	if n, err := emu.Expire(harness.Project, harness.Logstore, time.Now().Add(-60*time.Second)); err != nil || n != 4 {
		t.Fatalf("expire: %d groups, %v", n, err)
	}
	code, shards, _ = inspect(t, env)
	if code != 1 || !shards[0].Expired || !shards[1].Expired {
		t.Fatalf("expired checkpoints: exit %d, %+v", code, shards)
	}
	table.Reset()
	checkpoints(t.Context(), env, false, &table, &table)
	t.Logf("checkpoints with expired checkpoints:\n%s", table.String())
	if !strings.Contains(table.String(), "(EXPIRED)") || !strings.Contains(table.String(), "reset-checkpoint --shard 1 --to begin --yes") {
		t.Errorf("table does not explain the expired checkpoint:\n%s", table.String())
	}
	if code, out := reset(t, env, -1, "begin", true); code != 0 {
		t.Fatalf("reset all after expiry: exit %d\n%s", code, out)
	}
	code, shards, _ = inspect(t, env)
	if g, _ := lagOf(t, shards); code != 0 || g[0] != 2 || g[1] != 2 {
		t.Errorf("after resetting the expired checkpoints: exit %d, lag %v, want 0 and [2 2]", code, g)
	}

	if code, out := reset(t, env, 7, "end", true); code != 1 || !strings.Contains(out, "shard 7 does not exist") {
		t.Errorf("unknown shard: exit %d\n%s", code, out)
	}
	if strings.Contains(out, harness.Secret) || strings.Contains(table.String(), harness.Secret) {
		t.Error("output shows the secret")
	}
}

func TestResetCheckpointFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage: siemship reset-checkpoint"},
		{[]string{"--shard", "0"}, "usage:"},
		{[]string{"--to", "begin"}, "usage:"},
		{[]string{"--shard", "x", "--to", "begin"}, `--shard "x": want a shard ID or all`},
		{[]string{"--shard", "-1", "--to", "begin"}, "want a shard ID or all"},
		{[]string{"--shard", "all", "--to", "yesterday"}, `--to "yesterday": must be begin, end, an RFC 3339 time`},
		{[]string{"--shard", "all", "--to", "1700000000000"}, "milliseconds?"},
		{[]string{"--shard", "all", "--to", "end", "extra"}, "usage:"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := runCommand(t.Context(), "reset-checkpoint", tt.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runCommand(t.Context(), "checkpoints", []string{"now"}, &stdout, &stderr); code != 2 {
		t.Errorf("checkpoints now: exit %d", code)
	}
}

func TestUnixAny(t *testing.T) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, v := range []int64{want.Unix(), want.UnixMilli(), want.UnixMicro()} {
		if got := unixAny(v); !got.Equal(want) {
			t.Errorf("unixAny(%d) = %v", v, got)
		}
	}
}

// TestOperatorCommandsNeedOnlySLS: checkpoints and reset-checkpoint talk to SLS only, so they run without the
// SYSLOG_* variables (they required SYSLOG_HOST); a bad value that is set is still reported.
func TestOperatorCommandsNeedOnlySLS(t *testing.T) {
	emu := harness.StartEmulator(t, 1, 0)
	var env []string
	for _, kv := range emu.Env("127.0.0.1:1", "tcp") {
		if !strings.HasPrefix(kv, "SYSLOG_") {
			env = append(env, kv)
		}
	}
	if code, _, stderr := inspect(t, env); code != 1 || !strings.Contains(stderr, "consumer group does not exist") {
		t.Errorf("checkpoints without SYSLOG_*: exit %d, stderr %q; want 1 and that the group does not exist", code, stderr)
	}
	if code, out := reset(t, env, 0, "begin", false); code != 1 || !strings.Contains(out, "consumer group does not exist") {
		t.Errorf("reset-checkpoint without SYSLOG_*: exit %d\n%s", code, out)
	}
	code, _, stderr := inspect(t, append(env, "SYSLOG_PORT=0"))
	if code != 2 || !strings.Contains(stderr, `SYSLOG_PORT="0": must be 1 to 65535`) || strings.Contains(stderr, "SYSLOG_HOST") {
		t.Errorf("checkpoints with SYSLOG_PORT=0: exit %d, stderr %q; want 2 and only the SYSLOG_PORT problem", code, stderr)
	}
	if code, _, stderr := inspect(t, slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "SLS_CG=") })); code != 2 ||
		!strings.Contains(stderr, "SLS_CG: required, not set") {
		t.Errorf("checkpoints without SLS_CG: exit %d, stderr %q; want 2 and SLS_CG required", code, stderr)
	}
}
