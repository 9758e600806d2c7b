package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests, the SDK's included: once an in-process shipper has
// stopped, its consumer worker, shard workers and heartbeat must be gone, and internal/consumer moves the SDK's
// HTTP timeout into its own transport, so net/http keeps no per-request timer goroutine for the responses the SDK
// never closes (CreateConsumerGroup, UpdateCheckpoint). Nothing needs to be ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
