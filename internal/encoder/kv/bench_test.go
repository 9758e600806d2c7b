package kv

import (
	"strings"
	"testing"
	"time"

	"github.com/crewjam/rfc5424"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

func benchEncoder(b *testing.B, f message.Framing) *Encoder {
	b.Helper()
	e, err := NewEncoder(Options{Facility: 16, Severity: 6, Hostname: "siemship-7d9f8b-x2k4q", AppName: "siemship",
		MsgID: "sls", Framing: f})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func benchFrames(b *testing.B, f message.Framing, g *record.Group, l *record.Log) {
	encodertest.BenchFrames(b, benchEncoder(b, f).AppendFrame, g, l)
}

// BenchmarkAppendFrame encodes the ~300-byte audit record (13 pairs: topic, source, one tag, 10 contents).
func BenchmarkAppendFrame(b *testing.B) {
	g, l := encodertest.Audit()
	b.Run("octet", func(b *testing.B) { benchFrames(b, message.FramingOctet, &g, &l) })
	b.Run("lf", func(b *testing.B) { benchFrames(b, message.FramingLF, &g, &l) })
}

// BenchmarkAppendFrameUnicode encodes a record of Chinese text (the common SLS case in Alibaba Cloud regions).
func BenchmarkAppendFrameUnicode(b *testing.B) {
	g := record.Group{Topic: "应用日志", Source: "10.0.3.17"}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("msg", strings.Repeat("用户登录成功，来源地址杭州。", 6), "level", "INFO")}
	benchFrames(b, message.FramingOctet, &g, &l)
}

// BenchmarkAppendFrameHostile encodes a record where every value needs escaping.
func BenchmarkAppendFrameHostile(b *testing.B) {
	g := record.Group{Topic: "t", Source: "s"}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"msg", "line1\nline2\r\n<13>1 forged", "path", `C:\Windows\System32`, "q", "a||b||c", "bad", "caf\xc3 \xff", "k=ey", "v")}
	benchFrames(b, message.FramingLF, &g, &l)
}

// BenchmarkCrewjamMarshalBinary is crewjam's MarshalBinary of the same audit record with the payload already
// flattened (no escaping, no framing): the cost siemship avoids.
func BenchmarkCrewjamMarshalBinary(b *testing.B) {
	g, l := encodertest.Audit()
	m := rfc5424.Message{
		Priority:  16<<3 | 6,
		Timestamp: time.Unix(int64(l.Time), int64(l.TimeNs)).UTC(),
		Hostname:  "siemship-7d9f8b-x2k4q", AppName: "siemship", MessageID: "sls",
		Message: []byte(naivePayload(DefaultSeparator, expectedPairs(&g, &l))),
	}
	out, _ := m.MarshalBinary()
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}
