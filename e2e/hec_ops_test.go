package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/hecemu"
)

// TestHECOperations runs the siemship binary with SIEMSHIP_OUTPUT=hec and indexer acknowledgement and checks what
// an operator sees: /readyz 200 and the HEC metrics (requests, acknowledgement latencies, nothing pending) once a
// backlog is indexed; when the token is disabled, new records wait, /readyz says 503 naming HEC_TOKEN and nothing
// is checkpointed past them; once it is enabled again they are indexed, exactly once.
func TestHECOperations(t *testing.T) {
	t.Parallel()
	const shards, backlog, more = 2, 500, 300
	const tok = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
	emu := harness.StartEmulator(t, shards, backlog)
	h := hecemu.New(hecemu.Options{IndexDelay: 5 * time.Millisecond})
	h.AddToken(tok, hecemu.Token{Ack: true})
	u, err := h.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	env := testEnv(emu, "127.0.0.1:9", "tcp", "SIEMSHIP_OUTPUT=hec", "HEC_URL="+u, "HEC_TOKEN="+tok, "HEC_ACK=on",
		"SIEMSHIP_HTTP_ADDR=127.0.0.1:0", "SIEMSHIP_SHUTDOWN_TIMEOUT=5s")
	p := harness.StartProc(t, "siemship", env)
	base := httpAddr(t, p)
	waitFor(t, time.Minute, "the backlog checkpointed", func() bool {
		cps, _ := checkpoints(emu, shards)
		return slicesEqual(cps, endCursors(emu, shards))
	})
	if n := h.Count(); n != backlog {
		t.Fatalf("%d events indexed, want %d", n, backlog)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	for _, m := range []string{"siemship_ack_latency_seconds_count", "siemship_destination_requests_total"} {
		if v, ok := metric(t, base, m); !ok || v < 1 {
			t.Errorf("%s = %v (present %v), want at least 1", m, v, ok)
		}
	}
	if v, ok := metric(t, base, "siemship_pending_acks"); !ok || v != 0 {
		t.Errorf("siemship_pending_acks = %v (present %v), want 0", v, ok)
	}

	h.DisableToken(tok)
	before, _ := checkpoints(emu, shards)
	if err := emu.Generate(harness.Project, harness.Logstore, more); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "/readyz 503 naming HEC_TOKEN", func() bool {
		code, body := httpGet(t, base+"/readyz")
		return code == 503 && strings.Contains(body, "HEC_TOKEN")
	})
	if after, _ := checkpoints(emu, shards); !slicesEqual(after, before) {
		t.Errorf("checkpoints moved while HEC refused the token: %v -> %v", before, after)
	}
	if n := h.Count(); n != backlog {
		t.Errorf("%d events indexed while the token was disabled, want %d", n, backlog)
	}

	h.EnableToken(tok)
	waitFor(t, time.Minute, "the new records checkpointed", func() bool {
		cps, _ := checkpoints(emu, shards)
		return slicesEqual(cps, endCursors(emu, shards))
	})
	if n := h.Count(); n != backlog+more {
		t.Errorf("%d events indexed, want %d (each once: the refused batches carried no ackId)", n, backlog+more)
	}
	waitFor(t, 30*time.Second, "/readyz 200 again", func() bool {
		code, _ := httpGet(t, base+"/readyz")
		return code == 200
	})
}
