// Package receivers tests siemship end to end against real syslog receivers: the SLS emulator serves records,
// siemship (in-process, configured through the environment as a user would) ships them, and private rsyslog and
// syslog-ng instances (internal/testgear/realrecv) receive them. Each test reads back the receiver's parsed-field JSON and
// checks that every record arrived exactly once and that the receiver parsed every RFC 5424 header field and the
// ||key=value payload as siemship meant them.
//
// The receivers are installed by scripts/install-test-receivers.sh; without them realrecv skips these tests
// loudly (and fails them when CI=true).
package receivers

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
