package syslog

import "time"

// Reconnect backoff bounds: after a failed dial, the destination's connections wait before they dial again
// (backoff.Gate, shared by the connections of a destination, since they all reach the same host).
const (
	backoffBase = 100 * time.Millisecond
	// MaxReconnectWait is the longest wait before a destination is dialed again after a failed dial; the app's
	// stall detection allows for it.
	MaxReconnectWait = 10 * time.Second
)
