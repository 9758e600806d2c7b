package syslog

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsPermanent(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{base, false},
		{Permanent(base), true},
		{fmt.Errorf("send: %w", Permanent(base)), true},
		{ErrClosed, true},
		{fmt.Errorf("x: %w", ErrClientCertRejected), false},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if !errors.Is(fmt.Errorf("send: %w", Permanent(base)), base) {
		t.Error("Permanent does not unwrap")
	}
}
