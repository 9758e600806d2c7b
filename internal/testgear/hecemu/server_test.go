package hecemu_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

func TestStartShutdown(t *testing.T) {
	s := newServer(hecemu.Options{})
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown before start: %v", err)
	}
	url, hc := start(t, s)
	if s.URL() != url {
		t.Fatalf("URL %q, want %q", s.URL(), url)
	}
	if _, err := s.Start(t.Context(), "127.0.0.1:0"); err == nil {
		t.Fatal("second Start succeeded")
	}
	expect(t, mustSend(t, hc, url, req{token: tokPlain, body: `{"event":"x"}`}), 200, 0)
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s.URL() != "" {
		t.Fatal("URL after shutdown")
	}
	if _, err := send(t, hc, url, req{token: tokPlain, body: `{"event":"x"}`}); err == nil {
		t.Fatal("request after shutdown succeeded")
	}
	// It starts again with its state.
	url2, hc2 := start(t, s)
	expect(t, mustSend(t, hc2, url2, req{token: tokPlain, body: `{"event":"y"}`}), 200, 0)
	if s.Count() != 2 {
		t.Fatalf("indexed %d", s.Count())
	}
	if _, err := hecemu.New(hecemu.Options{}).Start(t.Context(), "256.0.0.1:0"); err == nil {
		t.Fatal("bad address accepted")
	}
}

func TestTLS(t *testing.T) {
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(hecemu.Options{TLS: b.ServerConfig(false)})
	url, err := s.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: b.ClientConfig(false), ForceAttemptHTTP2: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = s.Shutdown(context.Background())
	})
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	if url[:8] != "https://" {
		t.Fatalf("URL %q", url)
	}
	resp, err := hc.Do(req{token: tokAck, channel: chanA, body: `{"event":"x"}`}.build(t, url))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 1 {
		t.Fatalf("status %d, %s", resp.StatusCode, resp.Proto)
	}
	s.DropConnections(1)
	if a, err := send(t, hc, url, req{token: tokPlain, body: `{"event":"x"}`}); err == nil {
		t.Fatalf("dropped TLS request answered %v", a)
	}
	if s.Count() != 1 {
		t.Fatalf("indexed %d", s.Count())
	}
	// A plain-HTTP client cannot talk to it.
	plain := &http.Transport{}
	defer plain.CloseIdleConnections()
	if resp, err := (&http.Client{Transport: plain}).Get("http" + url[5:] + hecemu.PathHealth); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP to the TLS listener succeeded")
		}
	}
}

// TestConcurrent runs clients on several channels at once; every ackId of a channel is handed out once, every
// request's events are indexed once, and every ack reads true once.
func TestConcurrent(t *testing.T) {
	s := newServer(hecemu.Options{IndexDelay: 5 * time.Millisecond})
	url, hc := start(t, s)
	const clients, requests, perRequest = 8, 40, 25
	channels := []string{chanA, chanB, "5c1d1a38-8a39-4d51-9d7e-0b8a8f6a1c03", "5c1d1a38-8a39-4d51-9d7e-0b8a8f6a1c04"}
	var wg sync.WaitGroup
	ackIDs := make([][]int64, clients)
	errs := make(chan error, 3*clients)
	for c := range clients {
		wg.Go(func() {
			ch := channels[c%len(channels)]
			for range requests {
				a, err := send(t, hc, url, req{token: tokAck, channel: ch, gzip: c%2 == 0, body: events("c", perRequest)})
				if err == nil && (a.Status != 200 || a.AckID == nil) {
					err = fmt.Errorf("answer %v", a)
				}
				if err != nil {
					errs <- err
					return
				}
				ackIDs[c] = append(ackIDs[c], *a.AckID)
			}
			// Poll until every ack of this client reads true (once).
			pending := append([]int64(nil), ackIDs[c]...)
			for deadline := time.Now().Add(10 * time.Second); len(pending) > 0 && time.Now().Before(deadline); {
				a, err := send(t, hc, url, req{path: hecemu.PathAck, token: tokAck, channel: ch, body: pollBody(pending...)})
				if err != nil {
					errs <- err
					return
				}
				var left []int64
				for _, id := range pending {
					if !a.Acks[itoa(id)] {
						left = append(left, id)
					}
				}
				pending = left
				time.Sleep(2 * time.Millisecond)
			}
			if len(pending) > 0 {
				errs <- errPending
			}
			// Also hit the other endpoints.
			if _, err := send(t, hc, url, req{method: "GET", path: hecemu.PathHealth}); err != nil {
				errs <- err
			}
		})
	}
	wg.Add(1)
	go func() { // readers of the ledger while it grows
		defer wg.Done()
		for range 50 {
			_ = s.Events()
			_ = s.Stats()
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("client: %v", err)
	}
	perChannel := map[string]map[int64]int{}
	for c, ids := range ackIDs {
		ch := channels[c%len(channels)]
		if perChannel[ch] == nil {
			perChannel[ch] = map[int64]int{}
		}
		for _, id := range ids {
			perChannel[ch][id]++
		}
	}
	for ch, ids := range perChannel {
		want := clients / len(channels) * requests
		if len(ids) != want {
			t.Fatalf("channel %s: %d distinct ackIds, want %d", ch, len(ids), want)
		}
		for id, n := range ids {
			if n != 1 || id < 0 || id >= int64(want) {
				t.Fatalf("channel %s: ackId %d handed out %d times", ch, id, n)
			}
		}
	}
	total := clients * requests * perRequest
	if n := s.Count(); n != total {
		t.Fatalf("indexed %d, want %d", n, total)
	}
	perRequestSeen := map[int64]int{}
	for _, e := range s.Events() {
		perRequestSeen[e.Request]++
	}
	for r, n := range perRequestSeen {
		if n != perRequest {
			t.Fatalf("request %d: %d events", r, n)
		}
	}
	st := s.Stats()
	if st.AcksTrue != int64(clients*requests) || st.OutstandingAcks != 0 || st.Accepted != int64(clients*requests) {
		t.Fatalf("stats %+v", st)
	}
}
