package cef

import (
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
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

// BenchmarkAppendGroup encodes the emulator's generated records ("generated": one op is 100 groups of 10) and kv's
// audit record ("audit": one group of 10 copies), with the RFC 5424 header in octet framing and the RFC 3164 header
// in LF framing, the first again without vector.CopyPairs ("-go"), and for comparison with kv in the same run (the
// machine's load moves both alike). ns/record is the wall time of one record; cpu-ns/record the CPU time of the
// benchmark's thread, which on a loaded machine leaves out the time the thread waited for a CPU (but not the caches
// that other work evicted).
func BenchmarkAppendGroup(b *testing.B) {
	gen := encodertest.Generated(b, 1000, 10)
	ag, al := encodertest.Audit()
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
				encodertest.BenchGroups(b, benchEncoder(b, v.f, v.fr), set.groups)
			})
		}
		b.Run(set.name+"/rfc5424-octet-go", func(b *testing.B) { // the path of CPUs without AVX-512
			defer func(v bool) { vectorPairs = v }(vectorPairs)
			vectorPairs = false
			encodertest.BenchGroups(b, benchEncoder(b, header.RFC5424, message.FramingOctet), set.groups)
		})
		b.Run(set.name+"/kv-rfc5424-octet", func(b *testing.B) {
			e, err := kv.NewEncoder(kv.Options{Facility: 16, Severity: 6, Hostname: "siemship-7d9f8b-x2k4q",
				AppName: "siemship", MsgID: "sls", Framing: message.FramingOctet})
			if err != nil {
				b.Fatal(err)
			}
			encodertest.BenchGroups(b, e, set.groups)
		})
	}
}

// BenchmarkAppendFrameHostile encodes a record where every value needs escaping or replacing.
func BenchmarkAppendFrameHostile(b *testing.B) {
	g := record.Group{Topic: "t|x", Source: "s"}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"msg", "line1\nline2\r\n<13>1 forged", "path", `C:\Windows\System32`, "q", "a=b&c=d", "bad", "caf\xc3 \xff\t",
		"k.ey", "v")}
	encodertest.BenchFrames(b, benchEncoder(b, header.RFC5424, message.FramingLF).AppendFrame, &g, &l)
}
