package slsemu_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// StopAndWait of the SDK's consumer worker does not wait for its heartbeat goroutine, which notices the stop
	// only after its next sleep of HeartbeatIntervalInSecond (consumer/heart_beat.go, worker.go:90-96).
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/aliyun/aliyun-log-go-sdk/consumer.(*ConsumerHeartBeat).heartBeatRun"))
}
