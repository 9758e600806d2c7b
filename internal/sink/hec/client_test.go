package hec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	hecenc "github.com/siemship/siemship/internal/encoder/hec"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/hecemu"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "11111111-2222-3333-4444-555555555555"

// startHEC starts an emulator with one token.
func startHEC(t *testing.T, o hecemu.Options, tok hecemu.Token) *hecemu.Server {
	t.Helper()
	s := hecemu.New(o)
	s.AddToken(token, tok)
	if _, err := s.Start(t.Context(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(t.Context()) })
	return s
}

func newClient(t *testing.T, o Options) *Client {
	t.Helper()
	if o.Token == "" {
		o.Token = token
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Shutdown(t.Context()) })
	return c
}

// batch encodes n records (seq 0..n-1) as HEC events; the frames listed in bad are replaced by events HEC refuses
// (a blank event member).
func batch(t *testing.T, n int, bad ...int) *message.Batch {
	t.Helper()
	e, err := hecenc.NewEncoder(hecenc.Options{Sourcetype: "_json"})
	if err != nil {
		t.Fatal(err)
	}
	var b message.Batch
	for i := range n {
		if contains(bad, i) {
			b.Buf = append(b.Buf, `{"event":"","seq":`+strconv.Itoa(i)+`}`...)
			b.Ends = append(b.Ends, len(b.Buf))
			continue
		}
		g := record.Group{Topic: "t", Logs: []record.Log{{Time: 1795425745, TimeNs: uint32(i), Contents: []record.Field{{Key: "seq", Value: strconv.Itoa(i)}}}}}
		e.AppendGroup(&b, &g, nil, &message.Scratch{})
	}
	return &b
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// seqs returns how often each seq is in the emulator's ledger.
func seqs(t *testing.T, s *hecemu.Server) map[int]int {
	t.Helper()
	out := map[int]int{}
	for _, e := range s.Events() {
		var obj struct {
			Seq string `json:"seq"`
		}
		if err := json.Unmarshal(e.Event, &obj); err != nil {
			t.Fatalf("event %s: %v", e.Event, err)
		}
		n, _ := strconv.Atoi(obj.Seq)
		out[n]++
	}
	return out
}

func wantOnce(t *testing.T, got map[int]int, n int, except ...int) {
	t.Helper()
	for i := range n {
		want := 1
		if contains(except, i) {
			want = 0
		}
		if got[i] != want {
			t.Errorf("seq %d indexed %d times, want %d", i, got[i], want)
		}
	}
}

func TestSendAck(t *testing.T) {
	for _, gz := range []bool{false, true} {
		s := startHEC(t, hecemu.Options{IndexDelay: 20 * time.Millisecond}, hecemu.Token{Ack: true})
		c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckAuto, MaxEvents: 7, Gzip: gz})
		if !c.ack.Load() {
			t.Fatal("auto did not turn acknowledgement on for a token that has it")
		}
		b := batch(t, 50)
		if err := c.Send(t.Context(), b); err != nil {
			t.Fatal(err)
		}
		// Confirmed means indexed: every event is in the ledger when Send returns.
		wantOnce(t, seqs(t, s), 50)
		if st := c.HECStats(); st.Requests != 8 {
			t.Errorf("requests %d, want 8 (50 events, 7 per request)", st.Requests)
		}
		if st := c.Stats(); st.Batches != 1 || st.Messages != 50 {
			t.Errorf("stats %+v", st)
		}
	}
}

// TestAckLatency checks that every acknowledged request reports its latency once, no shorter than the indexing
// delay.
func TestAckLatency(t *testing.T) {
	const delay = 30 * time.Millisecond
	s := startHEC(t, hecemu.Options{IndexDelay: delay}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn, MaxEvents: 10})
	var got []time.Duration
	c.OnAck(func(d time.Duration) { got = append(got, d) }) // Send runs on this goroutine
	if err := c.Send(t.Context(), batch(t, 25)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d latencies for 3 requests: %v", len(got), got)
	}
	for _, d := range got {
		if d < delay-5*time.Millisecond { // the first request's is measured from its own acceptance
			t.Errorf("latency %v is shorter than the indexing delay %v", d, delay)
		}
	}
}

func TestSendRequestBytes(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn, MaxRequestBytes: MinRequestBytes})
	b := batch(t, 300) // about 130 bytes each: several requests of at most 4096 bytes
	if err := c.Send(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, seqs(t, s), 300)
	if st := c.HECStats(); st.Requests < 9 {
		t.Errorf("requests %d: the size bound was not applied", st.Requests)
	}
}

func TestAckAutoOff(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{})
	c := newClient(t, Options{URLs: []string{s.URL()}})
	if c.ack.Load() {
		t.Fatal("auto turned acknowledgement on for a token without it")
	}
	if err := c.Send(t.Context(), batch(t, 10)); err != nil {
		t.Fatal(err)
	}
	wantOnce(t, seqs(t, s), 10)
}

func TestInvalidEvent(t *testing.T) {
	for _, tc := range []struct {
		name        string
		whole, ack  bool
		wantPrefix1 int // times each event before the bad one is indexed
	}{
		{"ack, prefix indexed by the failed request and sent again", false, true, 2},
		{"ack, nothing of the failed request indexed", true, true, 1},
		{"no ack", false, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startHEC(t, hecemu.Options{RejectWholeBatch: tc.whole}, hecemu.Token{Ack: tc.ack})
			dl := filepath.Join(t.TempDir(), "dead.jsonl")
			c := newClient(t, Options{URLs: []string{s.URL()}, DeadLetterFile: dl})
			if err := c.Send(t.Context(), batch(t, 20, 5, 12)); err != nil {
				t.Fatal(err)
			}
			got := seqs(t, s)
			for i := range 20 {
				want := 1
				switch {
				case i == 5 || i == 12:
					want = 0
				case i < 5 && !tc.whole && tc.ack:
					want = tc.wantPrefix1
				case i > 5 && i < 12 && !tc.whole && tc.ack:
					want = tc.wantPrefix1
				}
				if got[i] != want {
					t.Errorf("seq %d indexed %d times, want %d", i, got[i], want)
				}
			}
			f, err := os.Open(dl)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var lines []string
			for sc := bufio.NewScanner(f); sc.Scan(); {
				lines = append(lines, sc.Text())
			}
			if len(lines) != 2 || !strings.Contains(lines[0], `"seq":5`) || !strings.Contains(lines[1], `"seq":12`) ||
				!strings.Contains(lines[0], `"code":13`) {
				t.Errorf("dead letter %q", lines)
			}
			if c.HECStats().DeadLettered != 2 {
				t.Errorf("dead-lettered %d", c.HECStats().DeadLettered)
			}
		})
	}
}

func TestInvalidEventWithoutDeadLetter(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{s.URL()}})
	err := c.Send(t.Context(), batch(t, 5, 2))
	if err == nil || !strings.Contains(err.Error(), "HEC_DEAD_LETTER_FILE") {
		t.Fatalf("Send: %v, want an error naming HEC_DEAD_LETTER_FILE", err)
	}
}

func TestTransientAndConfigErrors(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true, Indexes: []string{"audit"}})
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn})
	s.Busy(time.Hour)
	if err := c.Send(t.Context(), batch(t, 3)); err == nil {
		t.Fatal("Send succeeded while HEC was busy")
	}
	if !c.Health().Failing {
		t.Error("health not failing after a 503")
	}
	s.ClearFaults()
	if err := c.Send(t.Context(), batch(t, 3)); err != nil {
		t.Fatalf("Send after the 503s: %v", err)
	}
	s.DisableToken(token)
	var herr *Error
	if err := c.Send(t.Context(), batch(t, 3)); !errors.As(err, &herr) || !strings.Contains(err.Error(), "HEC_TOKEN") {
		t.Errorf("disabled token: %v, want an error naming HEC_TOKEN", err)
	}
	if err := c.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "HEC_TOKEN") {
		t.Errorf("Check with a disabled token: %v", err)
	}
	s.EnableToken(token)
	if err := c.Check(t.Context()); err != nil {
		t.Errorf("Check: %v", err)
	}
	e, _ := hecenc.NewEncoder(hecenc.Options{Index: "main"})
	var b message.Batch
	g := record.Group{Logs: []record.Log{{Time: 1}}}
	e.AppendGroup(&b, &g, nil, &message.Scratch{})
	if err := c.Send(t.Context(), &b); err == nil || !strings.Contains(err.Error(), "HEC_INDEX") {
		t.Errorf("index not allowed: %v, want an error naming HEC_INDEX", err)
	}
}

func TestAckTimeoutAndLostAcks(t *testing.T) {
	s := startHEC(t, hecemu.Options{IndexDelay: time.Hour}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn, AckTimeout: 200 * time.Millisecond, AckPollMax: 20 * time.Millisecond})
	b := batch(t, 10)
	if err := c.Send(t.Context(), b); err == nil || !strings.Contains(err.Error(), "HEC_ACK_TIMEOUT") {
		t.Fatalf("Send with acks never coming: %v", err)
	}
	s.RestartIndexer() // the pending events are lost with their acks
	s.DelayAcks(0)
	if err := c.Send(t.Context(), b); err != nil {
		t.Fatalf("resend: %v", err)
	}
	wantOnce(t, seqs(t, s), 10)
	if c.HECStats().AckTimeouts != 1 {
		t.Errorf("ack timeouts %d", c.HECStats().AckTimeouts)
	}
}

func TestFailover(t *testing.T) {
	a := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	b := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{a.URL(), b.URL()}, Ack: AckOn})
	a.DropConnections(1000)
	batch1 := batch(t, 5)
	if err := c.Send(t.Context(), batch1); err == nil {
		t.Fatal("Send succeeded over dropped connections")
	}
	if err := c.Send(t.Context(), batch1); err != nil { // the next attempt goes to the second URL
		t.Fatalf("Send after failover: %v", err)
	}
	wantOnce(t, seqs(t, b), 5)
}

func TestOptionsRefused(t *testing.T) {
	for _, o := range []Options{
		{Token: "t"},
		{URLs: []string{"https://a"}},
		{URLs: []string{"ftp://a"}, Token: "t"},
		{URLs: []string{"https://a/services/collector"}, Token: "t"},
		{URLs: []string{"https://a"}, Token: "t", Ack: "maybe"},
		{URLs: []string{"https://a"}, Token: "t", MaxRequestBytes: 100},
		{URLs: []string{"https://a"}, Token: "t", MaxEvents: -1},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// TestIndexRefused: an index the token may not write is a setting's fault, not an event's: the whole batch is
// refused with an error naming HEC_INDEX, and nothing goes to the dead letter (HEC numbers that event from 1).
func TestIndexRefused(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true, Indexes: []string{"audit"}})
	dl := filepath.Join(t.TempDir(), "dead.jsonl")
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn, DeadLetterFile: dl})
	e, _ := hecenc.NewEncoder(hecenc.Options{Index: "main"})
	var b message.Batch
	g := record.Group{Logs: []record.Log{{Time: 1}, {Time: 2}, {Time: 3}}}
	e.AppendGroup(&b, &g, nil, &message.Scratch{})
	if err := c.Send(t.Context(), &b); err == nil || !strings.Contains(err.Error(), "HEC_INDEX") {
		t.Errorf("Send: %v, want an error naming HEC_INDEX", err)
	}
	if c.HECStats().DeadLettered != 0 || s.Count() != 0 {
		t.Errorf("dead-lettered %d, indexed %d", c.HECStats().DeadLettered, s.Count())
	}
}

// TestAckAutoLater: with HEC unreachable at start, auto mode does not fail the start; the first batch asks.
func TestAckAutoLater(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	s.DropConnections(1000)
	c := newClient(t, Options{URLs: []string{s.URL()}, RequestTimeout: time.Second})
	if c.settled.Load() {
		t.Fatal("settled although HEC could not be asked")
	}
	s.ClearFaults()
	if err := c.Send(t.Context(), batch(t, 5)); err != nil {
		t.Fatal(err)
	}
	if !c.ack.Load() || !c.settled.Load() {
		t.Error("the first batch did not settle acknowledgement on")
	}
	wantOnce(t, seqs(t, s), 5)
}

// TestStartRefusedToken: a refused token stops the start with an error naming HEC_TOKEN.
func TestStartRefusedToken(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	c, err := New(Options{URLs: []string{s.URL()}, Token: "00000000-0000-0000-0000-000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(t.Context())
	if err := c.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "HEC_TOKEN") {
		t.Fatalf("Start: %v, want an error naming HEC_TOKEN", err)
	}
}

// TestStartDeadLetterUnwritable: a dead-letter file siemship cannot create stops the start, naming the variable.
func TestStartDeadLetterUnwritable(t *testing.T) {
	c, err := New(Options{URLs: []string{"http://127.0.0.1:9"}, Token: token, Ack: AckOn,
		DeadLetterFile: filepath.Join(t.TempDir(), "missing-dir", "dead.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(t.Context())
	if err := c.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "HEC_DEAD_LETTER_FILE") {
		t.Fatalf("Start: %v, want an error naming HEC_DEAD_LETTER_FILE", err)
	}
}

// TestAckIDsReused: after an indexer restart HEC hands out ackIds from 0 again. A batch waiting for ids of before
// the restart must not be confirmed by the new requests that get the same ids: its events were lost.
func TestAckIDsReused(t *testing.T) {
	s := startHEC(t, hecemu.Options{IndexDelay: time.Hour}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn, MaxEvents: 1, AckTimeout: 3 * time.Second, AckPollMax: 10 * time.Millisecond})
	old := make(chan error, 1)
	go func() { old <- c.Send(t.Context(), batch(t, 3)) }() // ids 0, 1, 2, pending for an hour
	for s.Stats().Accepted < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	s.RestartIndexer() // the three are lost; ids start from 0 again
	s.DelayAcks(0)
	// ids 0..4 of the new epoch, indexed at once. The old batch's poll may read the new id 0's status first (HEC
	// then forgets it): the new batch then times out and is sent again, as the pipeline would, a duplicate.
	var err error
	for range 2 {
		if err = c.Send(t.Context(), batch(t, 5)); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-old:
		if err == nil || !strings.Contains(err.Error(), "started again from 0") {
			t.Fatalf("the batch whose events were lost: %v, want an error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the old batch is still waiting")
	}
}

// TestAckEpochsOutOfOrder: answers to concurrent requests arrive in any order, so an id below one seen before is a
// restart only when its request was sent after that one was seen.
func TestAckEpochsOutOfOrder(t *testing.T) {
	var e ackEpochs
	snap := func(base string) ackEpoch { s, _ := e.begin(base); return s }
	s1, s2 := snap("u"), snap("u")
	if e.observe("u", 1, s2) != 0 || e.observe("u", 0, s1) != 0 {
		t.Fatal("answers to concurrent requests, out of order, were taken for a restart")
	}
	if got := e.observe("u", 2, snap("u")); got != 0 {
		t.Fatalf("the next id: epoch %d", got)
	}
	s4 := snap("u")
	if got := e.observe("u", 0, snap("u")); got != 1 {
		t.Fatalf("id 0 for a request sent after id 2 was seen: epoch %d, want a restart (1)", got)
	}
	if got := e.observe("u", 3, s4); got != 0 {
		t.Fatalf("a request sent before the restart was found: epoch %d, want the old one (0), as its id is ambiguous", got)
	}
	if got := e.observe("u", 1, snap("u")); got != 1 {
		t.Fatalf("after the restart: epoch %d, want 1", got)
	}
	if got := e.observe("v", 0, snap("v")); got != 0 {
		t.Fatalf("another URL: epoch %d", got)
	}
}

// TestAckFence: a true read while an event request was under way counts only once that request has its answer.
func TestAckFence(t *testing.T) {
	var e ackEpochs
	_, p1 := e.begin("u")
	_, p2 := e.begin("u")
	f := e.fence("u")
	e.end("u", p2)
	if e.settled("u", f) {
		t.Fatal("settled while request 1 is under way")
	}
	_, p3 := e.begin("u") // started after the fence: does not matter
	e.end("u", p1)
	if !e.settled("u", f) {
		t.Fatal("not settled once requests 1 and 2 ended")
	}
	e.end("u", p3)
}

// TestConcurrentSends: batches sent at once from several goroutines (the pipeline's batches in flight) are all
// confirmed, and nothing is taken for an indexer restart (as answers with ids 1 and 0 arriving in that order once
// were).
func TestConcurrentSends(t *testing.T) {
	s := startHEC(t, hecemu.Options{}, hecemu.Token{Ack: true})
	c := newClient(t, Options{URLs: []string{s.URL()}, Ack: AckOn, MaxEvents: 1, AckPollMax: 10 * time.Millisecond})
	const senders = 8
	errs := make(chan error, senders)
	for range senders {
		go func() { errs <- c.Send(t.Context(), batch(t, 20)) }()
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if st := c.HECStats(); st.AckTimeouts != 0 || st.Requests != senders*20 {
		t.Errorf("stats %+v, want %d requests and no resend", st, senders*20)
	}
}

// TestLoadBalancerCookie: a load balancer keeps a channel on one indexer with a cookie; every request after the
// one that set it carries it back.
func TestLoadBalancerCookie(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	var next int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		c, _ := r.Cookie("AWSALB")
		if c == nil {
			http.SetCookie(w, &http.Cookie{Name: "AWSALB", Value: "indexer-2", Path: "/"})
			seen = append(seen, "")
		} else {
			seen = append(seen, c.Value)
		}
		if strings.HasSuffix(r.URL.Path, "/ack") {
			_, _ = io.WriteString(w, `{"acks":{"0":true,"1":true}}`)
			return
		}
		fmt.Fprintf(w, `{"text":"Success","code":0,"ackId":%d}`, next)
		next++
	}))
	defer srv.Close()
	c := newClient(t, Options{URLs: []string{srv.URL}, Ack: AckOn, MaxEvents: 1})
	if err := c.Send(t.Context(), batch(t, 2)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen[0] != "" || seen[1] != "indexer-2" || seen[2] != "indexer-2" {
		t.Errorf("cookies of the requests (two events, one poll): %q", seen)
	}
}

// TestStickyJarBounded: whatever cookies HEC sets, the jar keeps at most maxCookies per host, none longer than
// maxCookieBytes, drops expired ones and sends Secure ones only over https.
func TestStickyJarBounded(t *testing.T) {
	var j stickyJar
	u, _ := url.Parse("http://hec:8088/services/collector/event")
	var many []*http.Cookie
	for i := range 1000 {
		many = append(many, &http.Cookie{Name: fmt.Sprintf("c%d", i), Value: "v"})
	}
	many = append(many, &http.Cookie{Name: "c0", Value: "updated"})
	j.SetCookies(u, many)
	j.SetCookies(u, []*http.Cookie{{Name: "c1", MaxAge: -1}, {Name: "big", Value: strings.Repeat("x", maxCookieBytes)}})
	got := map[string]string{}
	for _, c := range j.Cookies(u) {
		got[c.Name] = c.Value
	}
	if len(got) != maxCookies-1 || got["c0"] != "updated" || got["c1"] != "" || got["big"] != "" {
		t.Errorf("jar holds %d cookies: %v", len(got), got)
	}
	s, _ := url.Parse("http://other:8088/")
	j.SetCookies(s, []*http.Cookie{{Name: "sec", Value: "1", Secure: true}, {Name: "old", Value: "1", Expires: time.Now().Add(-time.Hour)}})
	if cs := j.Cookies(s); len(cs) != 0 {
		t.Errorf("a Secure cookie over http, or an expired one, was sent: %v", cs)
	}
	s.Scheme = "https"
	if cs := j.Cookies(s); len(cs) != 1 || cs[0].Name != "sec" {
		t.Errorf("over https: %v", cs)
	}
}

// A Max-Age so large that it overflows a time.Duration keeps the cookie (capped at 400 days) instead of expiring it.
func TestStickyJarHugeMaxAge(t *testing.T) {
	var j stickyJar
	u, _ := url.Parse("https://hec:8088/")
	j.SetCookies(u, []*http.Cookie{{Name: "lb", Value: "1", MaxAge: math.MaxInt}})
	if cs := j.Cookies(u); len(cs) != 1 || cs[0].Name != "lb" {
		t.Errorf("cookies %v, want lb", cs)
	}
}
