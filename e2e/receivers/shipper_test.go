package receivers

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// shipper is siemship running in-process, like harness.StartShipper, with its warnings and errors also recorded so
// that tests can assert what it logged.
type shipper struct {
	app    *app.App
	logs   *observer.ObservedLogs
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func startShipper(t *testing.T, env []string) *shipper {
	t.Helper()
	// A graceful stop is checked, not its speed: with the harness's 5 s it timed out on a loaded machine
	// (TestMutualTLSWithoutClientCertificate, beside a CI run). The heartbeat timeout must stay above it.
	env = append(slices.Clone(env), "SIEMSHIP_SHUTDOWN_TIMEOUT=8s", "SLS_HEARTBEAT_TIMEOUT=10s")
	cfg, err := config.Load(env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	core, logs := observer.New(zap.WarnLevel)
	log := zap.New(zapcore.NewTee(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Core(), core)).
		Named(cfg.ConsumerName)
	a, err := app.New(cfg, log)
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &shipper{app: a, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Run(ctx) }()
	t.Cleanup(func() { _ = s.stop() })
	return s
}

// stop is SIGTERM: it cancels Run and waits for it to return.
func (s *shipper) stop() error {
	s.once.Do(func() {
		s.cancel()
		s.err = <-s.done
	})
	return s.err
}

// logged returns the recorded entries whose message or error field contains text.
func (s *shipper) logged(text string) []observer.LoggedEntry {
	var out []observer.LoggedEntry
	for _, e := range s.logs.All() {
		if strings.Contains(e.Message, text) {
			out = append(out, e)
			continue
		}
		for _, f := range e.Context {
			if f.Type == zapcore.ErrorType {
				if err, ok := f.Interface.(error); ok && strings.Contains(err.Error(), text) {
					out = append(out, e)
					break
				}
			}
		}
	}
	return out
}

// checkpoints returns the consumer group's saved cursor per shard ("" when none) and each shard's end cursor.
func checkpoints(e *harness.Emulator) (saved, end map[int]string) {
	saved, end = map[int]string{}, map[int]string{}
	ls := e.Stats().Logstore(harness.Project, harness.Logstore)
	if ls == nil {
		return saved, end
	}
	g := ls.Group(harness.Group)
	for _, sh := range ls.Shards {
		end[sh.ID] = sh.EndCursor
		if g != nil {
			saved[sh.ID] = g.Checkpoint(sh.ID)
		}
	}
	return saved, end
}

// waitCheckpointed waits until the group's checkpoint of every shard is the shard's end cursor: siemship
// checkpoints only what was delivered, so this is the shipper's own claim that everything arrived.
func waitCheckpointed(ctx context.Context, t *testing.T, e *harness.Emulator) {
	t.Helper()
	for {
		saved, end := checkpoints(e)
		done := len(end) > 0
		for id, c := range end {
			if saved[id] != c {
				done = false
			}
		}
		if done {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("checkpoints %v did not reach the end cursors %v", decoded(saved), decoded(end))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func decoded(cursors map[int]string) map[int]int64 {
	out := map[int]int64{}
	for id, c := range cursors {
		v, err := slsemu.DecodeCursor(c)
		if err != nil {
			v = -1
		}
		out[id] = v
	}
	return out
}
