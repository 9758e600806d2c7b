package main

import (
	"os"
	"testing"

	"github.com/siemship/siemship/internal/testgear/harness"
)

// TestMain: the signal tests send SIGHUP, which a test run started under nohup would have ignored.
func TestMain(m *testing.M) {
	harness.HandleHangup()
	os.Exit(m.Run())
}
