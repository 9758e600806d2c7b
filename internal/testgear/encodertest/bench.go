package encodertest

import (
	"runtime"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// GroupAppender is the part of an encoder that BenchGroups measures.
type GroupAppender interface {
	AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts
}

// BenchGroups encodes groups with e into a reused batch; one op is all of them. Besides ns/op it reports
// ns/record (wall time), cpu-ns/record (the CPU time of the benchmark's thread, which on a loaded machine leaves
// out the time the thread waited for a CPU, but not the caches other work evicted) and bytes/record.
func BenchGroups(b *testing.B, e GroupAppender, groups []record.Group) {
	var s message.Scratch
	var batch message.Batch
	records := record.Count(groups)
	encode := func() {
		batch.Reset()
		for i := range groups {
			e.AppendGroup(&batch, &groups[i], nil, &s)
		}
	}
	encode()
	b.SetBytes(int64(len(batch.Buf)))
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, cpuOK := ThreadCPU()
	for b.Loop() {
		encode()
	}
	cpu1, _ := ThreadCPU()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
	if cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N*records), "cpu-ns/record")
	}
	b.ReportMetric(float64(len(batch.Buf))/float64(records), "bytes/record")
}

// BenchFrames encodes l of g with appendFrame into a reused buffer; one op is one frame.
func BenchFrames[R any](b *testing.B, appendFrame func([]byte, *record.Group, *record.Log) ([]byte, R), g *record.Group, l *record.Log) {
	buf, _ := appendFrame(nil, g, l)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = appendFrame(buf[:0], g, l)
	}
}
