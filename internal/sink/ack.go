package sink

import "time"

// AckReporter is a sink whose confirmation waits for the destination to acknowledge each request (hec with indexer
// acknowledgement). OnAck makes it call f with how long each acknowledgement took, from the destination's
// acceptance of a request to the poll that found it done.
type AckReporter interface {
	OnAck(f func(time.Duration))
}
