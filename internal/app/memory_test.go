package app

import (
	"runtime/debug"
	"testing"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
)

func TestMemoryBudgets(t *testing.T) {
	tests := []struct {
		limit          config.ByteSize
		pulled, frames int64
	}{
		{256 << 20, 93952409, 67108864},
		{1 << 30, 375809638, 268435456},
		{64 << 20, 23488102, 16777216},
	}
	for _, tt := range tests {
		cfg := &config.Config{}
		cfg.MemoryLimit = tt.limit
		cfg.Connections = 1
		if got := PulledBytes(cfg); got != tt.pulled {
			t.Errorf("PulledBytes(%v) = %d, want %d", tt.limit, got, tt.pulled)
		}
		if got := FrameBytes(cfg); got != tt.frames {
			t.Errorf("FrameBytes(%v) = %d, want %d", tt.limit, got, tt.frames)
		}
		o := ConsumerOptions(cfg, zap.NewNop())
		if o.MaxPulledBytes != tt.pulled || o.MaxPulledBatches != 4 {
			t.Errorf("ConsumerOptions: %d pulled bytes in %d batches, want %d in 4", o.MaxPulledBytes, o.MaxPulledBatches, tt.pulled)
		}
	}
}

// TestSetMemoryLimit: the soft limit is 90 % of SIEMSHIP_MEMORY_LIMIT while at least one App runs, the previous one after,
// and GOMEMLIMIT wins when set.
func TestSetMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	cfg := &config.Config{}
	cfg.MemoryLimit = 300 << 20
	log := zap.NewNop()

	t.Setenv("GOMEMLIMIT", "")
	undo1 := ApplyMemoryLimit(cfg, log)
	if got := debug.SetMemoryLimit(-1); got != 270<<20 {
		t.Fatalf("limit %d while running, want 90 %% of %d", got, 300<<20)
	}
	undo2 := ApplyMemoryLimit(cfg, log)
	undo1()
	if got := debug.SetMemoryLimit(-1); got != 270<<20 {
		t.Errorf("limit %d while a second App runs, want %d", got, 270<<20)
	}
	undo2()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit %d after every App stopped, want the previous %d", got, prev)
	}

	undo0 := ApplyMemoryLimit(&config.Config{}, log)
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit %d for a Config without SIEMSHIP_MEMORY_LIMIT, want the runtime's %d untouched", got, prev)
	}
	undo0()

	t.Setenv("GOMEMLIMIT", "1GiB")
	undo := ApplyMemoryLimit(cfg, log)
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit %d with GOMEMLIMIT set, want the runtime's %d untouched", got, prev)
	}
	undo()
}
