package hecemu

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// maxFailRules bounds the queue of FailNext rules.
const maxFailRules = 1024

// failRule answers the next remaining event requests with status and code.
type failRule struct {
	remaining int
	status    int
	code      int
}

type faults struct {
	mu            sync.Mutex
	fail          []*failRule
	busyUntil     time.Time
	dropConns     int
	dropResponses int
}

// FailNext answers the next n event requests with the HTTP status and HEC code (Splunk's text for a documented
// code, "Injected failure" otherwise); nothing of them is indexed. A status outside 400-599 becomes 500. Rules
// queue up: a second call takes effect once the first is used up.
func (s *Server) FailNext(n, status, code int) {
	if n <= 0 {
		return
	}
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if len(s.faults.fail) < maxFailRules {
		s.faults.fail = append(s.faults.fail, &failRule{remaining: n, status: status, code: code})
	}
}

func (f *faults) takeFail() (reply, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.fail) == 0 {
		return reply{}, false
	}
	r := f.fail[0]
	if r.remaining--; r.remaining <= 0 {
		f.fail = f.fail[1:]
	}
	text := CodeText(r.code)
	if text == "" {
		text = injectedText
	}
	return reply{status: r.status, code: r.code, text: text, invalidEvent: -1, ackID: -1}, true
}

// Busy answers every request 503 code 9 "Server is busy" for d from now (the health endpoint: 503 code 18), as
// Splunk does when its queues are full. Busy(0) ends it.
func (s *Server) Busy(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if d <= 0 {
		s.faults.busyUntil = time.Time{}
		return
	}
	s.faults.busyUntil = s.now().Add(d)
}

func (f *faults) busy(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return now.Before(f.busyUntil)
}

// DelayAcks sets the indexing delay (Options.IndexDelay): requests become indexed, in the ledger and acked, d after
// they were accepted. Requests that were due under the old delay are indexed first; the others wait for the new
// one, counted from their acceptance.
func (s *Server) DelayAcks(d time.Duration) {
	s.ix.setDelay(s.now(), max(d, 0))
}

// LoseAcks loses every accepted request that is not indexed yet, as an indexer crash would: its events never enter
// the ledger and its ackId reads false for ever. Indexed events and their unread acks stay.
func (s *Server) LoseAcks() { s.ix.lose(s.now(), false) }

// RestartIndexer is LoseAcks plus the loss of all ack state, as a restart of Splunk: ackIds of every channel start
// again from 0, and indexed requests whose ack was not read yet read false. The ledger keeps what was indexed.
func (s *Server) RestartIndexer() { s.ix.lose(s.now(), true) }

// DropConnections closes the TCP connection of the next n requests (any endpoint) without answering; nothing of
// them is processed.
func (s *Server) DropConnections(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.dropConns = max(s.faults.dropConns+n, 0)
}

// DropResponses processes the next n requests (any endpoint) as usual, then closes their connection instead of
// answering: accepted events are indexed and acks read as true are deleted, but the client never learns.
func (s *Server) DropResponses(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.dropResponses = max(s.faults.dropResponses+n, 0)
}

func (f *faults) take(counter *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *counter <= 0 {
		return false
	}
	*counter--
	return true
}

// ClearFaults removes pending failures, drops and the busy period. The indexing delay stays.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.fail = nil
	s.faults.busyUntil = time.Time{}
	s.faults.dropConns, s.faults.dropResponses = 0, 0
}

// hijack takes the connection over from the HTTP server.
func hijack(w http.ResponseWriter) (net.Conn, bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return nil, false
	}
	return conn, true
}

// closeHard closes a connection without a word: a TCP reset where it can, and no TLS close_notify.
func closeHard(conn net.Conn) {
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // *tls.Conn
		raw = nc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = raw.Close()
}
