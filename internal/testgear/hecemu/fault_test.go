package hecemu_test

import (
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

func TestHealth(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{Now: clk.Now})
	for _, p := range []string{hecemu.PathHealth, hecemu.PathHealth10} {
		got := serve(t, s, req{method: "GET", path: p})
		expect(t, got, 200, hecemu.CodeHealthy)
		if got.Raw != `{"text":"HEC is healthy","code":17}` {
			t.Fatalf("body %q", got.Raw)
		}
	}
	// No token needed; a bad one is not checked.
	expect(t, serve(t, s, req{method: "GET", path: hecemu.PathHealth, token: "nope"}), 200, hecemu.CodeHealthy)
	s.Busy(time.Second)
	got := serve(t, s, req{method: "GET", path: hecemu.PathHealth})
	expect(t, got, 503, hecemu.CodeUnhealthyQueuesFull)
	if got.Text != "HEC is unhealthy, queues are full" {
		t.Fatalf("text %q", got.Text)
	}
	clk.Add(time.Second)
	expect(t, serve(t, s, req{method: "GET", path: hecemu.PathHealth}), 200, hecemu.CodeHealthy)
	if st := s.Stats(); st.HealthChecks != 5 || st.Codes[hecemu.CodeHealthy] != 4 || st.Rejected != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFailNext(t *testing.T) {
	s := newServer(hecemu.Options{})
	s.FailNext(2, 503, hecemu.CodeServerBusy)
	s.FailNext(1, 500, 99)
	s.FailNext(1, 200, hecemu.CodeInternalError) // status outside 400-599 becomes 500
	r := req{token: tokPlain, body: `{"event":"x"}`}
	// Health and ack polls do not use the rules up.
	expect(t, serve(t, s, req{method: "GET", path: hecemu.PathHealth}), 200, hecemu.CodeHealthy)
	expect(t, serve(t, s, req{path: hecemu.PathAck, token: tokAck, channel: chanA, body: pollBody(0)}), 200, 0)
	for range 2 {
		got := serve(t, s, r)
		expect(t, got, 503, hecemu.CodeServerBusy)
		if got.Text != "Server is busy" {
			t.Fatalf("text %q", got.Text)
		}
	}
	got := serve(t, s, r)
	expect(t, got, 500, 99)
	if got.Text != "Injected failure" {
		t.Fatalf("text %q", got.Text)
	}
	expect(t, serve(t, s, r), 500, hecemu.CodeInternalError)
	if s.Count() != 0 {
		t.Fatalf("indexed %d during failures", s.Count())
	}
	expect(t, serve(t, s, r), 200, 0)
	// Even a request that would be refused gets the injected answer.
	s.FailNext(1, 503, hecemu.CodeServerBusy)
	expect(t, serve(t, s, req{}), 503, hecemu.CodeServerBusy)
	s.FailNext(5, 503, hecemu.CodeServerBusy)
	s.ClearFaults()
	expect(t, serve(t, s, r), 200, 0)
	if st := s.Stats(); st.Rejected != 5 || st.Accepted != 2 || st.Codes[hecemu.CodeServerBusy] != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBusy(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{Now: clk.Now})
	s.Busy(5 * time.Second)
	expect(t, serve(t, s, ackReq(chanA)), 503, hecemu.CodeServerBusy)
	expect(t, serve(t, s, req{path: hecemu.PathAck, token: tokAck, channel: chanA, body: pollBody(0)}), 503, hecemu.CodeServerBusy)
	expect(t, serve(t, s, req{}), 503, hecemu.CodeServerBusy) // before authentication
	clk.Add(5 * time.Second)
	got := serve(t, s, ackReq(chanA))
	if got.Status != 200 || got.AckID == nil || *got.AckID != 0 {
		t.Fatalf("after busy: %v", got)
	}
	s.Busy(time.Hour)
	s.Busy(0)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0)
}

func TestDelayAcks(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{Now: clk.Now})
	s.DelayAcks(time.Hour)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // at t0
	clk.Add(30 * time.Minute)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // at t0+30m
	wantAcks(t, poll(t, s, chanA, 0, 1), map[string]bool{"0": false, "1": false})
	// A shorter delay releases what is due under it, counted from acceptance.
	s.DelayAcks(20 * time.Minute)
	wantAcks(t, poll(t, s, chanA, 0, 1), map[string]bool{"0": true, "1": false})
	clk.Add(20 * time.Minute)
	wantAcks(t, poll(t, s, chanA, 1), map[string]bool{"1": true})
	// What was due under the old delay stays indexed when the delay grows.
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // ackId 2
	clk.Add(20 * time.Minute)
	s.DelayAcks(time.Hour)
	wantAcks(t, poll(t, s, chanA, 2), map[string]bool{"2": true})
	s.DelayAcks(0)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0)
	wantAcks(t, poll(t, s, chanA, 3), map[string]bool{"3": true})
}

func TestLoseAcks(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{Now: clk.Now})
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // ackId 0, indexed at once
	s.DelayAcks(time.Minute)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // 1, pending
	expect(t, serve(t, s, ackReq(chanB)), 200, 0) // 0 on B, pending
	expect(t, serve(t, s, req{token: tokPlain, body: `{"event":"p"}`}), 200, 0)
	s.LoseAcks()
	clk.Add(time.Hour)
	wantAcks(t, poll(t, s, chanA, 0, 1), map[string]bool{"0": true, "1": false})
	wantAcks(t, poll(t, s, chanB, 0), map[string]bool{"0": false})
	if n := s.Count(); n != 2 {
		t.Fatalf("indexed %d, want the 2 of the first request", n)
	}
	// Counters go on.
	got := serve(t, s, ackReq(chanA))
	if got.AckID == nil || *got.AckID != 2 {
		t.Fatalf("after loss: %v", got)
	}
	if st := s.Stats(); st.Lost != 5 || st.Pending != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRestartIndexer(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{Now: clk.Now})
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // ackId 0, indexed, not read
	s.DelayAcks(time.Minute)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0) // 1, pending
	s.RestartIndexer()
	clk.Add(time.Hour)
	wantAcks(t, poll(t, s, chanA, 0, 1), map[string]bool{"0": false, "1": false})
	got := serve(t, s, ackReq(chanA))
	if got.AckID == nil || *got.AckID != 0 {
		t.Fatalf("ackIds after a restart: %v", got)
	}
	clk.Add(time.Minute)
	wantAcks(t, poll(t, s, chanA, 0), map[string]bool{"0": true})
	if n := s.Count(); n != 4 {
		t.Fatalf("indexed %d, want 4 (first and last request)", n)
	}
}

func TestDropConnections(t *testing.T) {
	s := newServer(hecemu.Options{})
	url, hc := start(t, s)
	r := ackReq(chanA)

	s.DropConnections(1)
	if a, err := send(t, hc, url, r); err == nil {
		t.Fatalf("dropped request answered %v", a)
	}
	if s.Count() != 0 {
		t.Fatal("dropped request was indexed")
	}
	got := mustSend(t, hc, url, r)
	if got.AckID == nil || *got.AckID != 0 {
		t.Fatalf("after a drop: %v", got)
	}

	// The response is lost, the request is not: indexed, and its ackId used.
	s.DropResponses(1)
	if a, err := send(t, hc, url, r); err == nil {
		t.Fatalf("dropped response arrived: %v", a)
	}
	if s.Count() != 4 {
		t.Fatalf("indexed %d, want 4", s.Count())
	}
	got = mustSend(t, hc, url, r)
	if got.AckID == nil || *got.AckID != 2 {
		t.Fatalf("after a dropped response: %v", got)
	}
	// A lost ack answer deletes the statuses it read.
	s.DropResponses(1)
	if a, err := send(t, hc, url, req{path: hecemu.PathAck, token: tokAck, channel: chanA, body: pollBody(0, 1, 2)}); err == nil {
		t.Fatalf("dropped ack answer arrived: %v", a)
	}
	a := mustSend(t, hc, url, req{path: hecemu.PathAck, token: tokAck, channel: chanA, body: pollBody(0, 1, 2)})
	wantAcks(t, a.Acks, map[string]bool{"0": false, "1": false, "2": false})
	if st := s.Stats(); st.Dropped != 3 || st.AcksTrue != 3 {
		t.Fatalf("stats %+v", st)
	}
}
