package hecemu

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of the emulator's counters.
type Stats struct {
	Requests        int64         // HTTP requests to any path, including rejected and dropped ones
	EventRequests   int64         // requests to the event endpoints
	AckPolls        int64         // requests to the ack endpoint
	HealthChecks    int64         // requests to the health endpoint
	Accepted        int64         // event requests answered 200
	Rejected        int64         // requests answered with a status other than 200
	Dropped         int64         // connections closed by DropConnections and DropResponses
	Events          int64         // events accepted: those of requests answered 200 and those before a bad event
	Indexed         int64         // events in the ledger (Count)
	Pending         int64         // accepted events waiting for the indexing delay
	Lost            int64         // accepted events lost by LoseAcks and RestartIndexer
	AcksTrue        int64         // ackIds reported true by the ack endpoint
	OutstandingAcks int64         // ackIds handed out and neither read as true nor lost
	Channels        int64         // ack channels with state
	BodyBytes       int64         // request body bytes as received (compressed when gzip)
	Codes           map[int]int64 // answers by HEC code, including the emulator's 404 and 413 codes
}

type counters struct {
	requests, eventRequests, ackPolls, healthChecks atomic.Int64
	accepted, rejected, dropped                     atomic.Int64
	events, acksTrue, bodyBytes                     atomic.Int64

	mu    sync.Mutex
	codes map[int]int64
}

func (c *counters) code(code int) {
	c.mu.Lock()
	if c.codes == nil {
		c.codes = map[int]int64{}
	}
	c.codes[code]++
	c.mu.Unlock()
}

// Stats returns a snapshot of the counters, after indexing what is due.
func (s *Server) Stats() Stats {
	ixs := s.ix.stats(s.now())
	c := &s.counters
	st := Stats{
		Requests:        c.requests.Load(),
		EventRequests:   c.eventRequests.Load(),
		AckPolls:        c.ackPolls.Load(),
		HealthChecks:    c.healthChecks.Load(),
		Accepted:        c.accepted.Load(),
		Rejected:        c.rejected.Load(),
		Dropped:         c.dropped.Load(),
		Events:          c.events.Load(),
		Indexed:         int64(ixs.indexed),
		Pending:         int64(ixs.pending),
		Lost:            ixs.lost,
		AcksTrue:        c.acksTrue.Load(),
		OutstandingAcks: int64(ixs.outstandingAcks),
		Channels:        int64(ixs.channels),
		BodyBytes:       c.bodyBytes.Load(),
	}
	c.mu.Lock()
	st.Codes = maps.Clone(c.codes)
	c.mu.Unlock()
	if st.Codes == nil {
		st.Codes = map[int]int64{}
	}
	return st
}
