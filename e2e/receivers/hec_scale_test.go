package receivers

import (
	"context"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
)

// TestHECEightShards ships 100,000 generated records and the hostile ones over 8 shards with the siemship binary
// (SIEMSHIP_OUTPUT=hec, indexer acknowledgement) into the HEC emulator: every record is in its ledger exactly once
// when the checkpoints reach the shards' end, and every hostile record's event is, member by member, what
// docs/format.md says the json format sends.
func TestHECEightShards(t *testing.T) {
	t.Parallel()
	const shards, generated = 8, 100_000
	ctx, cancel := context.WithTimeout(t.Context(), 3*caseTimeout)
	defer cancel()
	h, hecURL, e, recs := hecBacklog(ctx, t, shards, generated, 20)
	env := e.Env("127.0.0.1:9", "tcp", "SIEMSHIP_OUTPUT=hec", "HEC_URL="+hecURL, "HEC_TOKEN="+hecToken, "HEC_ACK=on",
		"SIEMSHIP_SHUTDOWN_TIMEOUT=8s", "SLS_HEARTBEAT_TIMEOUT=10s")
	p := harness.StartProc(t, "hec-8", env)
	waitCheckpointed(ctx, t, e)
	if n := h.Count(); n < len(recs) {
		t.Errorf("ledger holds %d events when the checkpoints reached the end, want %d", n, len(recs))
	}
	p.Signal(syscall.SIGTERM)
	if code, _ := p.Wait(20 * time.Second); code != 0 {
		t.Errorf("exit status %d", code)
	}
	seen := map[uint64]int{}
	for _, ev := range h.Events() {
		got, err := decodeMembers(string(ev.Event))
		if err != nil {
			t.Fatalf("event %.200s: %v", ev.Event, err)
		}
		var seq uint64
		for _, m := range got {
			if v, ok := m.Value.(string); ok && m.Key == "seq" {
				seq, _ = strconv.ParseUint(v, 10, 64)
			}
		}
		r, ok := recs[seq]
		if !ok {
			t.Fatalf("event without a known seq: %.200s", ev.Event)
		}
		seen[seq]++
		if seq > generated {
			if want := jsonMembers(r); !slices.Equal(got, want) {
				t.Errorf("seq %d: members differ\n got  %s\n want %s", seq, truncQ(got), truncQ(want))
			}
		}
	}
	dup, lost := 0, 0
	for seq := range recs {
		switch seen[seq] {
		case 0:
			lost++
		case 1:
		default:
			dup++
		}
	}
	if lost != 0 || dup != 0 || len(seen) != len(recs) {
		t.Errorf("%d records: %d lost, %d duplicated", len(recs), lost, dup)
	}
	t.Logf("%d records over %d shards: each indexed once; HEC stats %+v", len(recs), shards, h.Stats())
}
