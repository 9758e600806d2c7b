package receivers

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/realrecv"
)

// storedLines counts the complete lines of the receiver's JSON output (out/json.log in its directory, one line per
// message). It is much cheaper than decoding them with Messages, which matters when polling under -race.
func storedLines(rr realrecv.Receiver) (int, error) {
	b, err := os.ReadFile(filepath.Join(rr.Dir(), "out", "json.log"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	return bytes.Count(b, []byte{'\n'}), err
}

// waitStored waits until the receiver has stored at least n messages.
func waitStored(ctx context.Context, t *testing.T, rr realrecv.Receiver, n int) {
	t.Helper()
	for {
		got, err := storedLines(rr)
		if err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s stored %d of %d messages: %v", rr.Name(), got, n, context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
