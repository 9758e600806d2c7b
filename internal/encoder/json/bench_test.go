package jsonenc

import (
	"runtime"
	"testing"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func benchEncoder(b *testing.B, ly layout) *Encoder {
	b.Helper()
	o := baseOptions(ly)
	o.Header.Hostname, o.Header.AppName, o.Header.MsgID = "siemship-7d9f8b-x2k4q", "siemship", "sls"
	return mustEncoder(b, o)
}

// BenchmarkAppendGroup encodes log groups of 10 records, reported per record. "generated" is what `siemship
// bench` pulls: 10,000 records of the SLS emulator (ActionTrail-like, 8 to 15 fields), decoded by the consumer's
// walk as a pull would be; "audit" repeats kv's 10-pair audit record (every string shared, so always in cache).
// cpu-ns/record is the CPU time of the benchmark's thread per record, which a loaded machine disturbs less than
// ns/record (wall time).
func BenchmarkAppendGroup(b *testing.B) {
	generated, err := consumer.Walk(slsemu.GeneratedList(10_000, 10, 1))
	if err != nil {
		b.Fatal(err)
	}
	g, l := auditRecord()
	audit := make([]record.Group, 1000)
	for i := range audit {
		audit[i] = g
		for range 10 {
			audit[i].Logs = append(audit[i].Logs, l)
		}
	}
	for _, set := range []struct {
		name   string
		groups []record.Group
	}{{"generated", generated}, {"audit", audit}} {
		for _, ly := range []layout{rfc5424Octet, rfc3164LF, bareLF} {
			b.Run(set.name+"/"+ly.name, func(b *testing.B) { benchGroups(b, benchEncoder(b, ly), set.groups) })
		}
		if cpuVector { // the same without copyMembersVector, as on a CPU without AVX-512
			b.Run(set.name+"/rfc5424.octet-words", func(b *testing.B) {
				vectorMembers = false
				defer func() { vectorMembers = true }()
				benchGroups(b, benchEncoder(b, rfc5424Octet), set.groups)
			})
		}
		// The kv format on the same records with the same header, for scale: the issue asks each format for at
		// least 80 % of kv's rate end to end.
		b.Run(set.name+"/kv.rfc5424.octet", func(b *testing.B) {
			e, err := kv.NewEncoder(kv.Options{Facility: 16, Severity: 6, Hostname: "siemship-7d9f8b-x2k4q",
				AppName: "siemship", MsgID: "sls", Framing: message.FramingOctet})
			if err != nil {
				b.Fatal(err)
			}
			benchGroups(b, e, set.groups)
		})
	}
}

func benchGroups(b *testing.B, e interface {
	AppendGroup(*message.Batch, *record.Group, *message.Scratch) message.Counts
}, groups []record.Group) {
	var s message.Scratch
	var batch message.Batch
	records := record.Count(groups)
	for i := range groups {
		e.AppendGroup(&batch, &groups[i], &s)
	}
	b.SetBytes(int64(len(batch.Buf)))
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPU()
	for b.Loop() {
		batch.Reset()
		for i := range groups {
			e.AppendGroup(&batch, &groups[i], &s)
		}
	}
	cpu1, _ := threadCPU()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
	if ok { // the CPU time of the benchmark's thread: less noisy than the wall time on a loaded machine
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N*records), "cpu-ns/record")
	}
	b.ReportMetric(float64(len(batch.Buf))/float64(records), "bytes/record")
}

// BenchmarkAppendFrame encodes one record at a time: the audit record, and a hostile one where every value needs
// escaping and two keys repeat (the slow path, which allocates for the renaming).
func BenchmarkAppendFrame(b *testing.B) {
	g, l := auditRecord()
	hostile := record.Log{Time: testSec, TimeNs: testNs, Contents: fields(
		"msg", "line1\nline2\r\n<13>1 forged", "path", `C:\Windows\System32`, "q", `say "hi"`, "bad", "caf\xc3 \xff", "msg", "again")}
	for _, tc := range []struct {
		name string
		l    *record.Log
	}{{"audit", &l}, {"hostile", &hostile}} {
		b.Run(tc.name, func(b *testing.B) {
			e := benchEncoder(b, rfc5424Octet)
			buf, _ := e.AppendFrame(nil, &g, tc.l)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = e.AppendFrame(buf[:0], &g, tc.l)
			}
		})
	}
}
