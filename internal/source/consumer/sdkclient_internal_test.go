package consumer

import (
	"testing"

	consumerLibrary "github.com/aliyun/aliyun-log-go-sdk/consumer"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/testgear/testport"
)

// TestPrepareSDKClient fails when an SDK upgrade changes the layout the race workaround relies on.
func TestPrepareSDKClient(t *testing.T) {
	cfg, err := logHubConfig(Options{
		Endpoint: testport.Refused(t), AccessKeyID: "id", AccessKeySecret: "secret",
		Project: "p", Logstore: "l", Group: "g", ConsumerName: "c",
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = kitLogger{z: zap.NewNop()}
	// Construction lists the consumer groups once (and fails fast against the closed port); nothing else runs.
	w := consumerLibrary.InitConsumerWorkerWithProcessor(cfg, processor{})
	if !prepareSDKClient(w) {
		t.Fatal("prepareSDKClient could not reach the SDK client: update the workaround for this SDK version")
	}
}
