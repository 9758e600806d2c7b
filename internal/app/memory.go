package app

import (
	"os"
	"runtime/debug"
	"sync"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
)

// Shares of SIEMSHIP_MEMORY_LIMIT, in percent. The rest (30 %) is for the runtime, the HTTP and SDK state (about
// 20 MiB), compressed bodies being read and the garbage collector's headroom (docs/PERFORMANCE.md, "Memory bound").
const (
	pulledShare = 35 // pulled batches: decompressed data, records' headers, decompression buffers kept for reuse
	framesShare = 25 // frame buffers of the batches being encoded or sent, and those kept for reuse
)

// PulledBytes is the memory budget of pulled batches (consumer.Options.MaxPulledBytes).
func PulledBytes(cfg *config.Config) int64 { return int64(cfg.MemoryLimit) * pulledShare / 100 }

// FrameBytes is the memory budget of frame buffers (pipeline.Options.MaxFrameBytes).
func FrameBytes(cfg *config.Config) int64 { return int64(cfg.MemoryLimit) * framesShare / 100 }

// BatchesInFlight is the number of batches being encoded or sent at once (pipeline.Options.MaxInFlight): one per
// connection, each occupying it for its whole send, and one being encoded meanwhile. More would only hold more
// memory; fewer would leave connections idle.
func BatchesInFlight(cfg *config.Config) int {
	if cfg.IsHEC() {
		// A HEC batch spends most of its time waiting for its acknowledgement, not on a connection: four in
		// flight overlap those waits (the frame budget still bounds their memory).
		return 4
	}
	return cfg.Connections + 1
}

// GoMemoryLimit is the Go runtime's soft memory limit siemship sets: 90 % of SIEMSHIP_MEMORY_LIMIT, because the
// runtime counts neither the program's code nor its own slack in returning freed pages, which the resident set
// includes.
func GoMemoryLimit(cfg *config.Config) int64 { return int64(cfg.MemoryLimit) * 90 / 100 }

// memoryLimit counts the running Apps that set the runtime's soft memory limit, so that the last one to stop
// restores the previous limit (tests run several Apps in one process).
var memoryLimit struct {
	mu   sync.Mutex
	apps int
	prev int64
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit from SIEMSHIP_MEMORY_LIMIT (GoMemoryLimit), so that
// the garbage collector works harder instead of letting the heap grow to twice the live data, unless GOMEMLIMIT
// is set (then the runtime already uses it). The returned function undoes it. Run calls it; the bench's pull-only
// phase too.
func ApplyMemoryLimit(cfg *config.Config, log *zap.Logger) (undo func()) {
	fields := []zap.Field{zap.Stringer("limit", cfg.MemoryLimit), zap.Int64("go_memory_limit", GoMemoryLimit(cfg)),
		zap.Int64("pulled_bytes", PulledBytes(cfg)), zap.Int64("frame_bytes", FrameBytes(cfg))}
	if cfg.MemoryLimit <= 0 { // a Config built without Load: no limit rather than a soft limit of 0
		return func() {}
	}
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info("memory budget; the Go runtime's soft limit comes from GOMEMLIMIT", append(fields, zap.String("gomemlimit", v))...)
		return func() {}
	}
	memoryLimit.mu.Lock()
	if memoryLimit.apps == 0 {
		memoryLimit.prev = debug.SetMemoryLimit(GoMemoryLimit(cfg))
	}
	memoryLimit.apps++
	memoryLimit.mu.Unlock()
	log.Info("memory budget and Go runtime soft limit", fields...)
	return func() {
		memoryLimit.mu.Lock()
		defer memoryLimit.mu.Unlock()
		memoryLimit.apps--
		if memoryLimit.apps == 0 {
			debug.SetMemoryLimit(memoryLimit.prev)
		}
	}
}
