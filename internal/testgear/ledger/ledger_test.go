package ledger

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
)

func TestLedger(t *testing.T) {
	l := New("||")
	msgs := []string{
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||__topic__=||__source__=||seq=0||k=v",
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||__topic__=\\||seq=9||seq=2||k=v", // escaped separator in the topic
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||seq=0",                           // duplicate
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||k=v",                             // no seq
		"<14>1 2026-01-01T00:00:00.000000Z h a - - - ||seq=300",
	}
	for _, m := range msgs {
		l.Observe([]byte(m))
	}
	got := l.Report()
	want := Report{Received: 5, Unique: 3, Duplicates: 1, NoSeq: 1}
	if got != want {
		t.Fatalf("report %+v, want %+v", got, want)
	}
	if !l.Has(2) || l.Has(9) || !l.Has(300) {
		t.Fatal("Has disagrees with what was observed")
	}
	if m := l.Missing(0, 3, 10); !reflect.DeepEqual(m, []uint64{1, 3}) {
		t.Fatalf("missing %v", m)
	}
}

func BenchmarkObserve(b *testing.B) {
	l := New("||")
	msgs := make([][]byte, 1024)
	for i := range msgs {
		// The shape siemship sends for the emulator's records: the group's pairs, then seq first of the contents.
		msgs[i] = fmt.Appendf(nil, "<134>1 2026-11-23T12:00:00.123456Z siemship-7d9f8b siemship - sls - "+
			"||__topic__=actiontrail_audit_event||__source__=10.17.0.11||__tag__:__hostname__=audit-collector-03"+
			"||__tag__:__pack_id__=5F3A9C0D11E2B7A4-%X||__tag__:__receive_time__=1763899200||seq=%d"+
			"||eventName=DescribeInstances||eventTime=2026-11-23T12:00:00Z||eventType=ApiCall||serviceName=Ecs", i, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Observe(msgs[i%len(msgs)])
		i++
	}
}

// refSeq is the straightforward search seq must agree with: the first "<sep>seq=" not escaped by a backslash.
func refSeq(key, msg []byte) (uint64, bool) {
	for i := 0; i+len(key) <= len(msg); i++ {
		if !bytes.Equal(msg[i:i+len(key)], key) || escaped(msg, i) {
			continue
		}
		v, digits := uint64(0), 0
		for _, c := range msg[i+len(key):] {
			if c < '0' || c > '9' {
				break
			}
			v = v*10 + uint64(c-'0')
			if digits++; digits > 19 {
				return 0, false
			}
		}
		return v, digits > 0
	}
	return 0, false
}

// FuzzSeq checks the ledger's seq search against refSeq for every separator the fuzzer picks.
func FuzzSeq(f *testing.F) {
	f.Add("||", "<14>1 - h a - - - ||__topic__=q||seq=12||k=v")
	f.Add("||", "\\||seq=1||seq=2")
	f.Add("|", "seq=5|seq=|seq=7")
	f.Add("#|#", "#|#seq#|#seq=99999999999999999999")
	f.Add("q", "qseq=3qqseq=4")
	f.Fuzz(func(t *testing.T, sep, msg string) {
		if sep == "" {
			return
		}
		l := New(sep)
		gotV, gotOK := l.seq([]byte(msg))
		wantV, wantOK := refSeq(l.key, []byte(msg))
		if gotV != wantV || gotOK != wantOK {
			t.Fatalf("seq(%q) with sep %q = %d %v, want %d %v", msg, sep, gotV, gotOK, wantV, wantOK)
		}
	})
}

func TestSeqKeyFormats(t *testing.T) {
	for _, tc := range []struct {
		format, msg string
	}{
		{"kv", `<134>1 - h a - - - ||__topic__=t||seq=42||msg=x`},
		{"cef", `<134>1 - h a - - - CEF:0|Alibaba Cloud|SLS|1|t|t|3|rt=1 slsTopic=t msg=a seq\=7 seq=42 k=v`},
		{"leef", "<134>1 - h a - - - LEEF:2.0|Alibaba Cloud|SLS|1|t|^|devTime=1^msg=seq=7^seq=42^k=v"},
		{"json", `<134>1 - h a - - - {"__topic__":"t","msg":"\"seq\":\"7","seq":"42"}`},
	} {
		l := NewKey(SeqKey(tc.format, "||", "^"))
		if seq, ok := l.seq([]byte(tc.msg)); !ok || seq != 42 {
			t.Errorf("%s: seq %d, %v; want 42", tc.format, seq, ok)
		}
	}
}
