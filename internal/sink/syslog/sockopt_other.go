//go:build !linux

package syslog

import (
	"errors"
	"time"
)

// setUserTimeout is a no-op where TCP_USER_TIMEOUT does not exist; the write deadline still bounds each write.
func setUserTimeout(uintptr, time.Duration) error { return nil }

// peekPeer cannot peek portably: the connection is assumed alive and a dead peer shows up as a write error.
func peekPeer(uintptr, bool) (peerState, error) { return peerAlive, nil }

// sendQueue is Linux-only (SIOCOUTQ).
func sendQueue(uintptr) (int, error) {
	return 0, errors.New("the send queue cannot be read on this system")
}

// socketError is only needed with sendQueue, which is Linux-only.
func socketError(uintptr) error { return nil }
