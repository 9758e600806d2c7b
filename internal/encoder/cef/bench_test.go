package cef

import (
	"runtime"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func benchEncoder(b *testing.B, f header.Format, fr message.Framing) *Encoder {
	b.Helper()
	e, err := NewEncoder(Options{Header: header.Options{Format: f, Facility: 16, Severity: 6,
		Hostname: "siemship-7d9f8b-x2k4q", AppName: "siemship", MsgID: "sls", Framing: fr}, Severity: 3})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// generatedGroups are the emulator's records as `siemship bench` pulls them: 1000 ActionTrail-like records of 8 to
// 15 fields in log groups of 10 with three tags each, decoded by the consumer's walk (strings alias the pulled
// buffer, as in production).
func generatedGroups(b *testing.B) []record.Group {
	groups, err := consumer.Walk(slsemu.GeneratedList(1000, 10, 1))
	if err != nil {
		b.Fatal(err)
	}
	return groups
}

// BenchmarkAppendGroup encodes the emulator's generated records ("generated": one op is 100 groups of 10) and kv's
// audit record ("audit": one group of 10 copies), with the RFC 5424 header in octet framing and the RFC 3164 header
// in LF framing, and for comparison with kv in the same run (the machine's load moves both alike). ns/record is the
// wall time of one record; cpu-ns/record the CPU time of the benchmark's thread, which on a loaded machine leaves out
// the time the thread waited for a CPU (but not the caches that other work evicted).
func BenchmarkAppendGroup(b *testing.B) {
	gen := generatedGroups(b)
	ag, al := auditRecord()
	for range 10 {
		ag.Logs = append(ag.Logs, al)
	}
	for _, set := range []struct {
		name   string
		groups []record.Group
	}{{"generated", gen}, {"audit", []record.Group{ag}}} {
		for _, v := range []struct {
			f  header.Format
			fr message.Framing
		}{{header.RFC5424, message.FramingOctet}, {header.RFC3164, message.FramingLF}} {
			b.Run(set.name+"/"+v.f.String()+"-"+v.fr.String(), func(b *testing.B) {
				benchGroups(b, benchEncoder(b, v.f, v.fr), set.groups)
			})
		}
		b.Run(set.name+"/kv-rfc5424-octet", func(b *testing.B) {
			e, err := kv.NewEncoder(kv.Options{Facility: 16, Severity: 6, Hostname: "siemship-7d9f8b-x2k4q",
				AppName: "siemship", MsgID: "sls", Framing: message.FramingOctet})
			if err != nil {
				b.Fatal(err)
			}
			benchGroups(b, e, set.groups)
		})
	}
}

// benchGroups encodes groups with e into a reused batch; one op is all groups.
func benchGroups(b *testing.B, e interface {
	AppendGroup(*message.Batch, *record.Group, *message.Scratch) message.Counts
}, groups []record.Group) {
	var s message.Scratch
	var batch message.Batch
	records := record.Count(groups)
	encode := func() {
		batch.Reset()
		for gi := range groups {
			e.AppendGroup(&batch, &groups[gi], &s)
		}
	}
	encode()
	b.SetBytes(int64(len(batch.Buf)))
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, cpuOK := threadCPU()
	for b.Loop() {
		encode()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
	if cpu1, _ := threadCPU(); cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N*records), "cpu-ns/record")
	}
	b.ReportMetric(float64(len(batch.Buf))/float64(records), "bytes/record")
}

// BenchmarkAppendFrameHostile encodes a record where every value needs escaping or replacing.
func BenchmarkAppendFrameHostile(b *testing.B) {
	g := record.Group{Topic: "t|x", Source: "s"}
	l := record.Log{Time: testSec, TimeNs: testNs, Contents: fields(
		"msg", "line1\nline2\r\n<13>1 forged", "path", `C:\Windows\System32`, "q", "a=b&c=d", "bad", "caf\xc3 \xff\t",
		"k.ey", "v")}
	e := benchEncoder(b, header.RFC5424, message.FramingLF)
	buf, _ := e.AppendFrame(nil, &g, &l)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.AppendFrame(buf[:0], &g, &l)
	}
}
