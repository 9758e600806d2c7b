package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests. One kind is ignored: net/http's request-timeout goroutine
// (setRequestCancel) of SDK requests whose response the SDK never closes. aliyun-log-go-sdk v0.1.131 drops the
// response of CreateConsumerGroup and UpdateCheckpoint (`_, err = c.request(...)`), so for each of those calls
// net/http keeps a goroutine and a timer until the client's 60 s timeout fires. The connection itself is reused
// (the body is empty), so this costs memory, not sockets. Everything else, the SDK's consumer goroutines included,
// must be gone once the shipper has stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.setRequestCancel.func4"))
}
