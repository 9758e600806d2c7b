package leef

import (
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func benchEncoder(b *testing.B, o Options) *Encoder {
	b.Helper()
	o.Header.Facility, o.Header.Severity = 16, 6
	o.Header.Hostname, o.Header.AppName, o.Header.MsgID = "siemship-7d9f8b-x2k4q", "siemship", "sls"
	e, err := NewEncoder(o)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkAppendGroup encodes what `siemship bench` pulls: 10 000 records the emulator generates (ActionTrail-like,
// 8 to 15 fields, groups of 10 with three tags), decoded by the consumer's walk as a pull is. One op is the whole
// batch; ns/record is the figure to compare with the 250 ns target. On a busy machine the wall clock also counts
// the time spent waiting for a core: cpu-ns/record is the process's CPU time per record (GC included: there is
// none, nothing is allocated).
func BenchmarkAppendGroup(b *testing.B) {
	groups, err := consumer.Walk(slsemu.GeneratedList(10_000, 10, 1))
	if err != nil {
		b.Fatal(err)
	}
	records := record.Count(groups)
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"2.0-tab-rfc5424-octet", Options{}},
		{"2.0-caret-rfc5424-lf", Options{Delimiter: "^", Header: header.Options{Framing: message.FramingLF}}},
		{"1.0-rfc3164-octet", Options{Version: V1, Header: header.Options{Format: header.RFC3164}}},
		{"2.0-tab-rfc5424-octet-max2048", Options{Header: header.Options{MaxMessageBytes: 2048}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := benchEncoder(b, tc.o)
			var s message.Scratch
			var batch message.Batch
			for i := range groups {
				e.AppendGroup(&batch, &groups[i], &s)
			}
			b.SetBytes(int64(len(batch.Buf)))
			b.ReportAllocs()
			cpu0, cpuOK := cpuTime()
			for b.Loop() {
				batch.Reset()
				for i := range groups {
					e.AppendGroup(&batch, &groups[i], &s)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
			if cpu1, ok := cpuTime(); ok && cpuOK { // the process's CPU time: what the wall clock is on an idle machine
				b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N*records), "cpu-ns/record")
			}
		})
	}
}

// BenchmarkAppendFrame encodes the emulator-like ActionTrail record of the golden files one at a time (the path
// of log groups of one record).
func BenchmarkAppendFrame(b *testing.B) {
	at := auditRecord()
	e := benchEncoder(b, Options{})
	buf, _ := e.AppendFrame(nil, &at.g, &at.l)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.AppendFrame(buf[:0], &at.g, &at.l)
	}
}

// BenchmarkAppendFrameHostile encodes a record where every value needs a substitute.
func BenchmarkAppendFrameHostile(b *testing.B) {
	g := record.Group{Topic: "t", Source: "s"}
	l := record.Log{Time: testSec, TimeNs: testNs, Contents: fields(
		"msg", "line1\nline2\r\n<13>1 forged", "path", "C:\\Windows\tSystem32", "q", "a^b|c", "bad", "caf\xc3 \xff", "k=ey", "v", "msg", "again")}
	e := benchEncoder(b, Options{Delimiter: "^"})
	buf, _ := e.AppendFrame(nil, &g, &l)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.AppendFrame(buf[:0], &g, &l)
	}
}

// BenchmarkAppendGroupHot encodes one log group of ten copies of the ActionTrail record, always in cache: the
// encoder's own cost, without the memory traffic of BenchmarkAppendGroup.
func BenchmarkAppendGroupHot(b *testing.B) {
	at := auditRecord()
	g := at.g
	for range 10 {
		g.Logs = append(g.Logs, at.l)
	}
	e := benchEncoder(b, Options{})
	var s message.Scratch
	var batch message.Batch
	e.AppendGroup(&batch, &g, &s)
	b.SetBytes(int64(len(batch.Buf)))
	b.ReportAllocs()
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		batch.Reset()
		e.AppendGroup(&batch, &g, &s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(g.Logs)), "ns/record")
	if cpu1, ok := cpuTime(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N*len(g.Logs)), "cpu-ns/record")
	}
}
