package hecemu_test

import (
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

func TestChannels(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		channel string
		query   string
		status  int
		code    int
		ackID   int64 // -1: none
	}{
		{"ack without channel", tokAck, "", "", 400, hecemu.CodeChannelMissing, -1},
		{"ack with bad channel", tokAck, "channel-1", "", 400, hecemu.CodeInvalidChannel, -1},
		{"ack with braced guid", tokAck, "{" + chanA + "}", "", 400, hecemu.CodeInvalidChannel, -1},
		{"ack with short guid", tokAck, chanA[:35], "", 400, hecemu.CodeInvalidChannel, -1},
		{"ack with header", tokAck, chanA, "", 200, 0, 0},
		{"ack with upper-case guid", tokAck, chanB, "", 200, 0, 0},
		{"ack with query", tokAck, "", "channel=" + chanA, 200, 0, 0},
		{"ack with bad query", tokAck, "", "channel=x", 400, hecemu.CodeInvalidChannel, -1},
		{"plain without channel", tokPlain, "", "", 200, 0, -1},
		{"plain with guid", tokPlain, chanA, "", 200, 0, -1},
		{"plain with anything", tokPlain, "whatever", "", 200, 0, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(hecemu.Options{})
			got := serve(t, s, req{token: tc.token, channel: tc.channel, query: tc.query, body: `{"event":"x"}`})
			expect(t, got, tc.status, tc.code)
			switch {
			case tc.ackID < 0 && got.AckID != nil:
				t.Fatalf("unexpected ackId: %v", got)
			case tc.ackID >= 0 && (got.AckID == nil || *got.AckID != tc.ackID):
				t.Fatalf("got %v, want ackId %d", got, tc.ackID)
			}
		})
	}
}

// ackReq posts two events with the ack token on a channel.
func ackReq(ch string) req {
	return req{token: tokAck, channel: ch, body: `{"event":"x"}{"event":"y"}`}
}

func poll(t *testing.T, s *hecemu.Server, ch string, ids ...int64) map[string]bool {
	t.Helper()
	a := serve(t, s, req{path: hecemu.PathAck, token: tokAck, channel: ch, body: pollBody(ids...)})
	expect(t, a, 200, 0)
	if a.Acks == nil {
		t.Fatalf("no acks in %v", a)
	}
	return a.Acks
}

func wantAcks(t *testing.T, got map[string]bool, want map[string]bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("acks %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Fatalf("acks %v, want %v", got, want)
		}
	}
}

func TestAckLifecycle(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{IndexDelay: 10 * time.Second, Now: clk.Now})
	for i := range 3 {
		got := serve(t, s, ackReq(chanA))
		expect(t, got, 200, 0)
		if got.AckID == nil || *got.AckID != int64(i) {
			t.Fatalf("request %d: %v", i, got)
		}
		if got.Raw != `{"text":"Success","code":0,"ackId":`+string(rune('0'+i))+`}` {
			t.Fatalf("body %q", got.Raw)
		}
	}
	// ackIds count per token and channel.
	if got := serve(t, s, ackReq(chanB)); got.AckID == nil || *got.AckID != 0 {
		t.Fatalf("other channel: %v", got)
	}
	s.AddToken("second-ack", hecemu.Token{Ack: true})
	if got := serve(t, s, req{token: "second-ack", channel: chanA, body: `{"event":"x"}`}); got.AckID == nil || *got.AckID != 0 {
		t.Fatalf("other token, same channel: %v", got)
	}

	wantAcks(t, poll(t, s, chanA, 0, 1, 2), map[string]bool{"0": false, "1": false, "2": false})
	if n := s.Count(); n != 0 {
		t.Fatalf("indexed %d before the delay", n)
	}
	st := s.Stats()
	if st.Pending != 9 || st.OutstandingAcks != 5 || st.Channels != 3 {
		t.Fatalf("stats %+v", st)
	}

	clk.Add(10*time.Second - time.Nanosecond)
	wantAcks(t, poll(t, s, chanA, 0), map[string]bool{"0": false})
	clk.Add(time.Nanosecond)
	wantAcks(t, poll(t, s, chanA, 0, 1, 7, 0), map[string]bool{"0": true, "1": true, "7": false})
	if n := s.Count(); n != 9 {
		t.Fatalf("indexed %d after the delay, want 9", n)
	}
	// Read as true once: deleted.
	wantAcks(t, poll(t, s, chanA, 0, 1, 2), map[string]bool{"0": false, "1": false, "2": true})
	wantAcks(t, poll(t, s, chanA, 2), map[string]bool{"2": false})
	wantAcks(t, poll(t, s, chanA), map[string]bool{})
	// The ledger knows which request had which ackId.
	for _, e := range s.Events() {
		if e.Channel == chanA && e.Token == tokAck && (e.AckID < 0 || e.AckID > 2 || e.Request != e.AckID+1) {
			t.Fatalf("event %+v", e)
		}
	}
	st = s.Stats()
	if st.AcksTrue != 3 || st.OutstandingAcks != 2 || st.Pending != 0 || st.Indexed != 9 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAckImmediate(t *testing.T) {
	s := newServer(hecemu.Options{})
	got := serve(t, s, ackReq(chanA))
	if got.AckID == nil || *got.AckID != 0 || s.Count() != 2 {
		t.Fatalf("%v, count %d", got, s.Count())
	}
	wantAcks(t, poll(t, s, chanA, 0), map[string]bool{"0": true})
}

func TestAckEndpointErrors(t *testing.T) {
	tests := []struct {
		name   string
		r      req
		status int
		code   int
	}{
		{"token without ack", req{token: tokPlain, channel: chanA, body: pollBody(0)}, 400, hecemu.CodeAckDisabled},
		{"no channel", req{token: tokAck, body: pollBody(0)}, 400, hecemu.CodeChannelMissing},
		{"bad channel", req{token: tokAck, channel: "x", body: pollBody(0)}, 400, hecemu.CodeInvalidChannel},
		{"query channel", req{token: tokAck, query: "channel=" + chanA, body: pollBody(0)}, 200, 0},
		{"empty body", req{token: tokAck, channel: chanA}, 400, hecemu.CodeNoData},
		{"not json", req{token: tokAck, channel: chanA, body: "acks"}, 400, hecemu.CodeInvalidDataFormat},
		{"no acks member", req{token: tokAck, channel: chanA, body: `{"ids":[0]}`}, 400, hecemu.CodeInvalidDataFormat},
		{"fraction", req{token: tokAck, channel: chanA, body: `{"acks":[1.5]}`}, 400, hecemu.CodeInvalidDataFormat},
		{"strings", req{token: tokAck, channel: chanA, body: `{"acks":["1"]}`}, 400, hecemu.CodeInvalidDataFormat},
		{"gzip", req{token: tokAck, channel: chanA, gzip: true, body: pollBody(0, 1)}, 200, 0},
		{"get", req{method: "GET", token: tokAck, channel: chanA}, 404, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(hecemu.Options{})
			tc.r.path = hecemu.PathAck
			got := serve(t, s, tc.r)
			expect(t, got, tc.status, tc.code)
			if tc.status == 200 && got.Acks == nil {
				t.Fatalf("no acks: %v", got)
			}
		})
	}
}

func TestPendingAckLimit(t *testing.T) {
	clk := newClock()
	s := newServer(hecemu.Options{IndexDelay: time.Minute, MaxPendingAcksPerChannel: 2, Now: clk.Now})
	expect(t, serve(t, s, ackReq(chanA)), 200, 0)
	expect(t, serve(t, s, ackReq(chanA)), 200, 0)
	expect(t, serve(t, s, ackReq(chanA)), 503, hecemu.CodeServerBusy)
	expect(t, serve(t, s, ackReq(chanB)), 200, 0) // per channel
	clk.Add(time.Minute)
	// Indexed but unread acks still count.
	expect(t, serve(t, s, ackReq(chanA)), 503, hecemu.CodeServerBusy)
	wantAcks(t, poll(t, s, chanA, 0), map[string]bool{"0": true})
	got := serve(t, s, ackReq(chanA))
	if got.AckID == nil || *got.AckID != 2 {
		t.Fatalf("after a read: %v", got)
	}
	if s.Count() != 6 {
		t.Fatalf("indexed %d, want 6", s.Count())
	}
}

func TestMaxEvents(t *testing.T) {
	s := newServer(hecemu.Options{MaxEvents: 5})
	expect(t, serve(t, s, req{token: tokPlain, body: events("a", 3)}), 200, 0)
	expect(t, serve(t, s, req{token: tokPlain, body: events("b", 3)}), 503, hecemu.CodeServerBusy)
	expect(t, serve(t, s, req{token: tokPlain, body: events("c", 2)}), 200, 0)
	if s.Count() != 5 {
		t.Fatalf("indexed %d", s.Count())
	}
}

func TestCountOnly(t *testing.T) {
	s := newServer(hecemu.Options{CountOnly: true, MaxEvents: 1})
	for range 3 {
		expect(t, serve(t, s, req{token: tokPlain, body: events("a", 10)}), 200, 0)
	}
	if s.Count() != 30 || s.Events() != nil {
		t.Fatalf("count %d, events %d", s.Count(), len(s.Events()))
	}
}

func TestRejectWholeBatch(t *testing.T) {
	for _, whole := range []bool{false, true} {
		s := newServer(hecemu.Options{RejectWholeBatch: whole})
		got := serve(t, s, req{token: tokAck, channel: chanA, body: `{"event":"a"}{"event":"b"}{"event":""}`})
		expect(t, got, 400, hecemu.CodeEventBlank)
		if got.Invalid == nil || *got.Invalid != 2 || got.AckID != nil {
			t.Fatalf("got %v", got)
		}
		want := 2
		if whole {
			want = 0
		}
		if s.Count() != want {
			t.Fatalf("whole=%v: indexed %d, want %d", whole, s.Count(), want)
		}
		for _, e := range s.Events() {
			if e.AckID != -1 {
				t.Fatalf("prefix event with ackId: %+v", e)
			}
		}
		// No ackId was used up by the refused request.
		if got := serve(t, s, ackReq(chanA)); got.AckID == nil || *got.AckID != 0 {
			t.Fatalf("next request: %v", got)
		}
	}
}
