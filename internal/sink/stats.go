package sink

import "time"

// Stats are a sink's cumulative counters (OpenConnections is a gauge). A sink leaves at zero what it does not have.
type Stats struct {
	Batches       uint64 // batches confirmed
	Messages      uint64 // messages in those batches
	Bytes         uint64 // frame bytes in those batches (framing included, TLS and protocol overhead not)
	Connects      uint64 // connections established
	Reconnects    uint64 // of which replaced a discarded connection
	ConnectErrors uint64 // failed dials, TLS handshakes and protocol opens
	Discarded     uint64 // connections dropped after an error or a failed probe (not planned closes)
	PeerClosed    uint64 // of which the probe found closed by the peer before a write
	// PeerResets counts connections the receiver reset, found before a write, by a write or a confirmation, or by
	// Check.
	PeerResets uint64
	// ResetsAfterDelivery counts resets found on a connection whose last batch had been confirmed by a mode that
	// cannot prove the receiver read it: that batch is lost unless the receiver had read it.
	ResetsAfterDelivery uint64
	Failovers           uint64 // times a destination was marked down after a failure (several destinations only)
	OpenConnections     int    // connections open now

	// HTTP sinks (hec).
	Requests     uint64 // requests that carried events
	DeadLettered uint64 // events the destination refused as invalid, written to the dead-letter file
	AckTimeouts  uint64 // batches sent again because their acknowledgements did not come in time
	PendingAcks  int    // acknowledgements being waited for now
}

// Health is what a sink's recent connections say about its destinations.
type Health struct {
	// Failing is true when the most recent connection to every destination was lost (reset by the receiver,
	// refused, timed out) and none survived since. Batches may still be counted as delivered by a confirmation
	// mode that cannot tell; the destination is not up.
	Failing bool
	Lost    int       // connections lost in a row (of the destination with the fewest)
	Since   time.Time // when the first of them was lost
	LastErr error     // why the latest was lost
}
