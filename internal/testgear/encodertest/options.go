package encodertest

import (
	"strings"
	"testing"
)

// CheckNew requires what a NewEncoder returned to be an encoder when wantErr is empty, and otherwise an error
// that contains wantErr.
func CheckNew[E any](t testing.TB, e *E, err error, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil || e == nil {
			t.Fatalf("NewEncoder: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("NewEncoder error %v, want one containing %q", err, wantErr)
	}
}
