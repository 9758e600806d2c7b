package receivers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

const hecToken = "9d7e5c3a-1b2f-4e6d-8a9c-0f1e2d3c4b5a"

// TestHEC ships generated and hostile records with SIEMSHIP_OUTPUT=hec and indexer acknowledgement to the HEC
// emulator: every record is in its ledger exactly once by the time the checkpoints reach the shards' end, each event
// object is what docs/format.md says the json format sends (decoded with encoding/json, member by member), and its
// time is the record's to the microsecond.
func TestHEC(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
	defer cancel()
	h, hecURL, e, recs := hecBacklog(ctx, t, deliveryShards, 2000, 4)
	// SYSLOG_HOST is not needed with hec: the emulator's environment sets one, which hec ignores.
	env := e.Env("127.0.0.1:9", "tcp", "SIEMSHIP_OUTPUT=hec", "HEC_URL="+hecURL, "HEC_TOKEN="+hecToken, "HEC_ACK=on",
		"HEC_INDEX=main", "HEC_SOURCETYPE=_json", "HEC_HOST=${__tag__:__hostname__}", "HEC_MAX_EVENTS=500",
		"HEC_FIELDS=seq,topic=__topic__")
	s := startShipper(t, env)
	waitCheckpointed(ctx, t, e)
	// Confirmed means indexed: the ledger is complete once the checkpoints are at the end.
	if n := h.Count(); n < len(recs) {
		t.Errorf("ledger holds %d events when the checkpoints reached the end, want %d", n, len(recs))
	}
	if err := s.stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	seen := map[uint64]int{}
	for _, ev := range h.Events() {
		got, err := decodeMembers(string(ev.Event))
		if err != nil {
			t.Errorf("event %.200s: %v", ev.Event, err)
			continue
		}
		var seq uint64
		for _, m := range got {
			if v, ok := m.Value.(string); ok && m.Key == "seq" {
				seq, _ = strconv.ParseUint(v, 10, 64)
			}
		}
		r, ok := recs[seq]
		if !ok {
			t.Errorf("event without a known seq: %.200s", ev.Event)
			continue
		}
		seen[seq]++
		if want := jsonMembers(r); !slices.Equal(got, want) {
			t.Errorf("seq %d: members differ\n got  %s\n want %s", seq, truncQ(got), truncQ(want))
		}
		if hasTime(r) {
			l := r.log
			want := fmt.Sprintf("%d.%06d", uint64(l.GetTime())+uint64(l.GetTimeNs()/1e9), l.GetTimeNs()%1e9/1e3)
			if ev.TimeText != want {
				t.Errorf("seq %d: time %q, want %q", seq, ev.TimeText, want)
			}
		} else if ev.HasTime {
			t.Errorf("seq %d: a record without time sent time %q", seq, ev.TimeText)
		}
		// Indexed fields, read by the emulator as Splunk reads them: seq as a string, the topic when it is not
		// empty (invalid UTF-8 as U+FFFD per byte, as in the event).
		wantFields := map[string]string{"seq": strconv.FormatUint(seq, 10)}
		if topic := r.group.GetTopic(); topic != "" {
			wantFields["topic"] = string([]rune(topic))
		}
		gotFields := map[string]string{}
		for k, raw := range ev.Fields {
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Errorf("seq %d: indexed field %s=%s: %v", seq, k, raw, err)
			}
			gotFields[k] = v
		}
		if !maps.Equal(gotFields, wantFields) {
			t.Errorf("seq %d: indexed fields %q, want %q", seq, gotFields, wantFields)
		}
		if ev.Index != "main" || ev.Sourcetype != "_json" || ev.AckID < 0 {
			t.Errorf("seq %d: index %q sourcetype %q ackId %d", seq, ev.Index, ev.Sourcetype, ev.AckID)
		}
	}
	for seq := range recs {
		if seen[seq] != 1 {
			t.Errorf("seq %d indexed %d times, want once", seq, seen[seq])
		}
	}
	if st := s.app.Stats(); st.Records != uint64(len(recs)) || st.Failures != 0 {
		t.Errorf("stats %+v, want %d records and no failures", st, len(recs))
	}
}

// hecBacklog starts the HEC emulator (acknowledgement on, indexing 5 ms after acceptance) and an SLS emulator of
// shards shards holding generated records (put in chunks requests) and the hostile ones after them. recs are
// the records as the SDK reads them back, by seq.
func hecBacklog(ctx context.Context, t *testing.T, shards, generated, chunks int) (*hecemu.Server, string, *harness.Emulator, map[uint64]pulled) {
	t.Helper()
	h := hecemu.New(hecemu.Options{IndexDelay: 5 * time.Millisecond})
	h.AddToken(hecToken, hecemu.Token{Ack: true})
	hecURL, err := h.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	e := harness.StartEmulator(t, shards, 0)
	generate(t, e, generated, chunks)
	hostile := hostileGroups()
	renumber(hostile, generated)
	if _, err := e.Put(harness.Project, harness.Logstore, slsemu.AnyShard, hostile...); err != nil {
		t.Fatal(err)
	}
	recs := map[uint64]pulled{}
	for _, r := range pullAll(t, e) {
		recs[r.seq] = r
	}
	return h, hecURL, e, recs
}
