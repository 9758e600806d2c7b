package logsample

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestSampler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := Sampler{Every: 10 * time.Second}
		if n, ok := s.Allow(2); !ok || n != 2 {
			t.Fatalf("first: %d %v", n, ok)
		}
		if _, ok := s.Allow(3); ok {
			t.Fatal("second within interval allowed")
		}
		time.Sleep(11 * time.Second)
		if n, ok := s.Allow(1); !ok || n != 4 {
			t.Fatalf("after interval: %d %v", n, ok)
		}
	})
}
