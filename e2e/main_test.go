package e2e

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/siemship/siemship/internal/testgear/harness"
)

// The tests that run the built binary (harness.StartProc) call t.Parallel: each has its own emulator, sink and
// process. The two that run siemship in-process (TestExactlyOnceTLS, TestHostileRecords) do not: they run alone,
// before the parallel ones, so that two SDK consumer libraries never share the race-instrumented test process.
//
// TestMain checks that no goroutine outlives the tests, the SDK's included: once an in-process shipper has
// stopped, its consumer worker, shard workers and heartbeat must be gone, and internal/source/consumer moves the SDK's
// HTTP timeout into its own transport, so net/http keeps no per-request timer goroutine for the responses the SDK
// never closes (CreateConsumerGroup, UpdateCheckpoint). Nothing needs to be ignored.
func TestMain(m *testing.M) {
	harness.HandleHangup()
	goleak.VerifyTestMain(m)
}
