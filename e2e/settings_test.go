package e2e

import (
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
)

// Settings of every run, on top of the harness's.
//
// The harness's 2 s SIEMSHIP_SHUTDOWN_TIMEOUT is shorter than the SDK consumer library may need to stop even when
// idle: ConsumerWorker.shutDownAndWait polls its shard workers every 500 ms (one poll to flag them, one to see
// them stopped, one to see the map empty) and an idle shard worker sleeps 500 ms before it looks at its flag, so a
// graceful stop takes 1.5 to 2.5 s and a 2 s budget sometimes times out (exit 1). 5 s needs a heartbeat timeout
// above it.
//
// SYSLOG_WRITE_TIMEOUT bounds the wait for a batch's confirmation; the receiver runs in the race-instrumented test
// process on a shared machine, and a resend caused by a slow test receiver would show up as a duplicate.
// 8 s rather than 5 s: on a machine shared with a CI run the stop took longer than 5 s
// (TestGroupDeletedMidStream's second run exited 1); the heartbeat timeout stays above it.
const stopTimeout = 8 * time.Second

var baseEnv = []string{"SIEMSHIP_SHUTDOWN_TIMEOUT=8s", "SLS_HEARTBEAT_TIMEOUT=10s", "SYSLOG_WRITE_TIMEOUT=30s"}

// testEnv is emu.Env with baseEnv, then extra.
func testEnv(emu *harness.Emulator, addr, protocol string, extra ...string) []string {
	return emu.Env(addr, protocol, append(append([]string(nil), baseEnv...), extra...)...)
}
