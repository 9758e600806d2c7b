package pipeline

import (
	"strconv"
	"testing"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// BenchmarkHandleBatchLarge: one op is a pulled batch of 1000 log groups × 10 records encoded into frames and
// handed to a sender that discards them. It is the pipeline's whole cost per batch, frame buffer reuse included;
// records/s and ns/record are the per-record view. "audit" repeats one record of 12 fields (about 300 bytes of
// keys and values, every string shared, so always in cache); "generated" is what `siemship bench` pulls: the
// emulator's records (8 to 15 fields, 356 bytes of protobuf each, 533-byte frames), decoded by the consumer's walk
// into one 3.6 MB batch as a pull would be.
func BenchmarkHandleBatchLarge(b *testing.B) {
	generated, err := consumer.Walk(slsemu.GeneratedList(10_000, 10, 1))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		groups []record.Group
	}{{"audit", auditGroups()}, {"generated", generated}} {
		b.Run(tc.name, func(b *testing.B) {
			enc, err := kv.NewEncoder(kv.Options{Facility: 16, Severity: 6, Hostname: "bench-host",
				AppName: "siemship", Framing: message.FramingOctet})
			if err != nil {
				b.Fatal(err)
			}
			p, err := New(Options{Encoder: enc, Sink: discardSink{}})
			if err != nil {
				b.Fatal(err)
			}
			batch := &consumer.Batch{Shard: 1, Groups: tc.groups}
			records := batch.Records()
			b.ReportAllocs()
			for b.Loop() {
				if err := p.HandleBatch(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
			b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// auditGroups is 1000 log groups of 10 records of 12 fields whose strings are shared.
func auditGroups() []record.Group {
	groups := make([]record.Group, 1000)
	seq := 0
	for gi := range groups {
		g := &groups[gi]
		g.Topic, g.Source = "actiontrail_audit_event", "10.17.0.10"
		g.Tags = []record.Field{{Key: "__hostname__", Value: "audit-collector-01"}, {Key: "__pack_id__", Value: "5F3A-" + strconv.Itoa(gi)}}
		for range 10 {
			seq++
			g.Logs = append(g.Logs, record.Log{Time: 1700000000, TimeNs: 123456789, Contents: []record.Field{
				{Key: "seq", Value: strconv.Itoa(seq)}, {Key: "eventId", Value: "6b1f9a4e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"},
				{Key: "eventName", Value: "DescribeInstances"}, {Key: "eventTime", Value: "2026-11-23T12:00:00Z"},
				{Key: "eventType", Value: "ApiCall"}, {Key: "acsRegion", Value: "cn-hangzhou"},
				{Key: "sourceIpAddress", Value: "47.100.12.34"}, {Key: "serviceName", Value: "Ecs"},
				{Key: "userIdentity.type", Value: "ram-user"}, {Key: "userIdentity.userName", Value: "deploy-bot"},
				{Key: "userAgent", Value: "aliyun-cli/3.0.204"}, {Key: "result", Value: "success"},
			}})
		}
	}
	return groups
}
