package leef

import (
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
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
// the time spent waiting for a core: cpu-ns/record is the CPU time of the benchmark's thread per record. The
// "-go" case is the first without vector.CopyPairs, as on CPUs without AVX-512.
func BenchmarkAppendGroup(b *testing.B) {
	groups := encodertest.Generated(b, 10_000, 10)
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
			encodertest.BenchGroups(b, benchEncoder(b, tc.o), groups)
		})
	}
	b.Run("2.0-tab-rfc5424-octet-go", func(b *testing.B) { // the path of CPUs without AVX-512
		defer func(v bool) { vectorPairs = v }(vectorPairs)
		vectorPairs = false
		encodertest.BenchGroups(b, benchEncoder(b, Options{}), groups)
	})
}

// BenchmarkAppendFrame encodes the emulator-like ActionTrail record of the golden files one at a time (the path
// of log groups of one record).
func BenchmarkAppendFrame(b *testing.B) {
	at := auditRecord()
	encodertest.BenchFrames(b, benchEncoder(b, Options{}).AppendFrame, &at.g, &at.l)
}

// BenchmarkAppendFrameHostile encodes a record where every value needs a substitute.
func BenchmarkAppendFrameHostile(b *testing.B) {
	g := record.Group{Topic: "t", Source: "s"}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"msg", "line1\nline2\r\n<13>1 forged", "path", "C:\\Windows\tSystem32", "q", "a^b|c", "bad", "caf\xc3 \xff", "k=ey", "v", "msg", "again")}
	encodertest.BenchFrames(b, benchEncoder(b, Options{Delimiter: "^"}).AppendFrame, &g, &l)
}

// BenchmarkAppendGroupHot encodes one log group of ten copies of the ActionTrail record, always in cache: the
// encoder's own cost, without the memory traffic of BenchmarkAppendGroup.
func BenchmarkAppendGroupHot(b *testing.B) {
	at := auditRecord()
	g := at.g
	for range 10 {
		g.Logs = append(g.Logs, at.l)
	}
	encodertest.BenchGroups(b, benchEncoder(b, Options{}), []record.Group{g})
}
