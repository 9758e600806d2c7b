package syslog

import (
	"syscall"
	"time"
	"unsafe"
)

const tcpUserTimeout = 0x12 // TCP_USER_TIMEOUT, linux/tcp.h

// setUserTimeout sets TCP_USER_TIMEOUT: the kernel aborts the connection when written data stays unacknowledged for
// longer than d (instead of retransmitting for 15+ minutes per tcp_retries2).
func setUserTimeout(fd uintptr, d time.Duration) error {
	return syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(d.Milliseconds()))
}

// peekPeer inspects the socket without blocking. With drain it consumes whatever the peer sent (plain TCP: a syslog
// receiver has nothing to say, and unread bytes would hide a FIN behind them); without it, it only peeks one byte
// (TLS: the records belong to crypto/tls). A peer that closed (FIN) and then reset the connection, because we wrote
// to it after its close, reads as end of stream with the reset (EPIPE) left in SO_ERROR: that is returned as an
// error, unlike a clean close.
func peekPeer(fd uintptr, drain bool) (peerState, error) {
	var buf [512]byte
	for {
		p, flags := buf[:], syscall.MSG_DONTWAIT
		if !drain {
			p, flags = buf[:1], flags|syscall.MSG_PEEK
		}
		n, _, err := syscall.Recvfrom(int(fd), p, flags)
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return peerAlive, nil
		case err != nil:
			return peerGone, err
		case n == 0:
			return peerGone, socketError(fd)
		case !drain:
			return peerData, nil
		}
	}
}

const siocOutQ = 0x5411 // SIOCOUTQ (= TIOCOUTQ), linux/sockios.h

// sendQueue returns the bytes in the socket's send queue: written but not yet acknowledged by the peer (unsent
// included).
func sendQueue(fd uintptr) (int, error) {
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, siocOutQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// socketError returns the socket's pending error (SO_ERROR), e.g. ECONNRESET after the peer reset the connection.
func socketError(fd uintptr) error {
	n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
	if err != nil {
		return err
	}
	if n != 0 {
		return syscall.Errno(n)
	}
	return nil
}
