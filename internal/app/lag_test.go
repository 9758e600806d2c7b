package app

import (
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

// failingLag answers every call with the SDK's error for an HTML page.
type failingLag struct{}

func (failingLag) err() error {
	return &sls.BadResponseError{RespBody: "<html><body><h1>502 Bad Gateway</h1></body></html>", HTTPCode: 502}
}
func (f failingLag) ListShards(string, string) ([]*sls.Shard, error) { return nil, f.err() }
func (f failingLag) GetCheckpoint(string, string, string) ([]*sls.ConsumerGroupCheckPoint, error) {
	return nil, f.err()
}
func (f failingLag) GetCursor(string, string, int, string) (string, error) { return "", f.err() }
func (f failingLag) GetCursorTime(string, string, int, string) (time.Time, error) {
	return time.Time{}, f.err()
}

// TestLagErrorsOnOneLine: the lag measurement logs its failures, so its SDK errors come with one-line messages.
func TestLagErrorsOnOneLine(t *testing.T) {
	l := oneLineLag{failingLag{}}
	_, e1 := l.ListShards("p", "l")
	_, e2 := l.GetCheckpoint("p", "l", "g")
	_, e3 := l.GetCursor("p", "l", 0, "end")
	_, e4 := l.GetCursorTime("p", "l", 0, "c")
	for i, err := range []error{e1, e2, e3, e4} {
		if err == nil || err.Error() != `SLS answered HTTP 502, body "502 Bad Gateway"` {
			t.Errorf("call %d: %v", i, err)
		}
	}
}
