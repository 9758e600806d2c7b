// Package syslog is the syslog sink: it sends batches of framed syslog messages to a SIEM over TCP, TLS, UDP or
// RELP (plain or over TLS), and decides their framing (ResolveFraming; the encoder writes it in place).
//
// A Client keeps a small pool of connections to each destination in Options.Addrs and spreads batches over them by
// failover or round robin (balance.go). Send writes a whole Batch on one connection, so the order of a shard's
// messages holds, and returns nil only when the batch is confirmed in the Confirm mode (written, acknowledged by the
// receiver's kernel, or read and closed; RELP: acknowledged by the receiving daemon; UDP: sent). On any error the
// connection is discarded and the caller resends the whole batch: delivery is at-least-once and a resent batch may
// duplicate messages that the receiver already read.
//
// "Written" is not "delivered": plain TCP and TLS give no application-level acknowledgement, so bytes in the kernel
// buffers of either side are lost if the receiver dies. The client narrows that window: TCP_USER_TIMEOUT and
// keepalive bound how long unacknowledged data may hang, and before every write a non-blocking probe detects a peer
// that already closed the connection (the "first batch after a receiver restart is lost" problem), so the batch goes
// on a fresh connection instead of into a half-dead one.
//
// UDP is lossy by design: one datagram per frame, no delivery feedback at all (RFC 5426). A nil error from Send
// only means the datagrams left this host's socket. Frames for UDP carry no framing; a frame larger than
// Options.MaxDatagram is a permanent error (truncation is the encoder's job).
//
// TLS needs 1.2 or later and verifies the server name unless told otherwise. A TLS 1.3 server that rejects the
// client certificate lets the client's handshake succeed and sends its alert afterwards; when the server asked for a
// certificate the client therefore waits briefly for that alert after the handshake and reports
// ErrClientCertRejected.
package syslog
