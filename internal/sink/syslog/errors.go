package syslog

import (
	"crypto/tls"
	"errors"
	"net"
)

// PermanentError marks an error that resending the same batch cannot fix: an invalid configuration, an invalid
// batch, a datagram larger than MaxDatagram, a closed client. Network failures, refused or reset connections,
// timeouts and TLS failures (including certificate problems, which an operator may fix at the peer) are transient:
// the caller backs off and resends.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent (nil stays nil).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// ErrClosed is returned by Send and Check after Close. It is permanent.
var ErrClosed = Permanent(errors.New("syslog: client closed"))

// ErrClientCertRejected is wrapped by errors from a TLS connection whose server refused our client certificate (or
// its absence). With TLS 1.3 the client's handshake succeeds and the server's alert arrives afterwards; the client
// detects it with a short read right after the handshake.
var ErrClientCertRejected = errors.New("tls: server rejected the client certificate")

// certAlerts are the alerts a server sends about the client's certificate (RFC 8446 §6.2, RFC 5246 §7.2.2).
var certAlerts = []tls.AlertError{
	42,  // bad_certificate
	43,  // unsupported_certificate
	44,  // certificate_revoked
	45,  // certificate_expired
	46,  // certificate_unknown
	48,  // unknown_ca
	49,  // access_denied
	116, // certificate_required
}

const alertHandshakeFailure tls.AlertError = 40

// isAlert reports whether err is the TLS alert a received from the peer.
func isAlert(err error, a tls.AlertError) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error" && op.Err != nil && op.Err.Error() == a.Error()
}

// isCertAlert reports whether err is a TLS alert received from the peer about a certificate. crypto/tls reports a
// received alert as *net.OpError{Op: "remote error"} wrapping an unexported alert type whose text equals that of
// tls.AlertError with the same code.
func isCertAlert(err error) bool {
	for _, a := range certAlerts {
		if isAlert(err, a) {
			return true
		}
	}
	return false
}
