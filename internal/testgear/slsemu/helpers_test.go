package slsemu_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

const (
	testProject  = "proj-a"
	testLogstore = "audit"
	testKeyID    = "LTAIemulatorKey"
	testSecret   = "emulator-secret"
)

type emu struct {
	*slsemu.Server
	url      string
	endpoint string // fake endpoint with the emulator's port, e.g. sls.emu.invalid:PORT
}

// startEmu starts an emulator with one logstore of the given shards and the test key.
func startEmu(t testing.TB, shards int, o slsemu.Options) *emu {
	t.Helper()
	if o.Logger == nil {
		o.Logger = zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	}
	s := slsemu.New(o)
	if err := s.AddLogstore(testProject, testLogstore, shards, 0); err != nil {
		t.Fatal(err)
	}
	s.AddKey(testKeyID, testSecret)
	u, err := s.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	pu, _ := url.Parse(u)
	return &emu{Server: s, url: u, endpoint: "sls.emu.invalid:" + pu.Port()}
}

// client returns an SDK client that reaches the emulator through slsemu.HTTPClient.
func (e *emu) client(t testing.TB) sls.ClientInterface {
	t.Helper()
	c := sls.CreateNormalInterface(e.endpoint, testKeyID, testSecret, "")
	hc := slsemu.HTTPClient(e.url)
	c.SetHTTPClient(hc)
	c.SetRetryTimeout(10 * time.Second)
	t.Cleanup(hc.CloseIdleConnections)
	return c
}

func str(s string) *string { return &s }

// logGroup returns a log group of n logs whose "seq" contents are first, first+1, ...
func logGroup(first, n int) *sls.LogGroup {
	lg := &sls.LogGroup{Topic: str("topic"), Source: str("10.0.0.1"), LogTags: []*sls.LogTag{{Key: str("__hostname__"), Value: str("h1")}}}
	for i := range n {
		ts := uint32(time.Now().Unix())
		lg.Logs = append(lg.Logs, &sls.Log{Time: &ts, Contents: []*sls.LogContent{
			{Key: str("seq"), Value: str(strconv.Itoa(first + i))},
			{Key: str("msg"), Value: str("hello world")},
		}})
	}
	return lg
}

// seqs returns the seq contents of every log in the list.
func seqs(t testing.TB, lgl *sls.LogGroupList) []int {
	t.Helper()
	var out []int
	for _, g := range lgl.LogGroups {
		for _, l := range g.Logs {
			for _, c := range l.Contents {
				if c.GetKey() == "seq" {
					n, err := strconv.Atoi(c.GetValue())
					if err != nil {
						t.Fatalf("seq %q: %v", c.GetValue(), err)
					}
					out = append(out, n)
				}
			}
		}
	}
	return out
}
