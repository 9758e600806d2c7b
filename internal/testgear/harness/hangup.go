package harness

import (
	"os"
	"os/signal"
	"syscall"
)

// HandleHangup makes the test process handle SIGHUP instead of inheriting an ignored one (a test run started under
// nohup, or by a supervisor that ignores it): siemship keeps ignoring SIGHUP when it starts with it ignored, as
// nohup asks, so its hangup tests need it not ignored in the test process and, since a handled signal is reset to
// the default on exec, in the siemship processes the tests start. Call it from TestMain.
func HandleHangup() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
}
