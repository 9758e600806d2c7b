package mapping

import (
	"testing"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/rules"
)

// benchGroup is a log group of 10 ActionTrail-like records, one in ten with an errorCode.
func benchGroup() *record.Group {
	g := &record.Group{Topic: "actiontrail_audit_event", Source: "10.0.0.1"}
	for i := range 10 {
		f := fields("seq", "1", "eventName", "DescribeInstances", "eventTime", "2026-11-23T09:22:25Z", "eventType", "ApiCall",
			"serviceName", "Ecs", "acsRegion", "cn-hangzhou", "sourceIpAddress", "203.0.113.7", "userIdentity.type", "ram-user",
			"userIdentity.userName", "alice", "eventId", "2f1c0a4e-6a1b-4c3d-9e8f-0123456789ab", "userAgent", "Terraform/1.8.5")
		if i == 0 {
			f = append(f, record.Field{Key: "errorCode", Value: "Forbidden.RAM"})
		}
		g.Logs = append(g.Logs, record.Log{Time: 1795425745, Contents: f})
	}
	return g
}

// BenchmarkMapGroup measures the mapping per record: a severity field alone (the preset in json and kv), and the
// ActionTrail preset's CEF mapping (two templates, 15 renames, 6 added fields), each with and without the three rules of docs/rules.md.
func BenchmarkMapGroup(b *testing.B) {
	sm, _ := ParseSeverityMap("*=warning")
	rn, _ := ParseRenames("eventName=act,eventType=cat,sourceIpAddress=src|c6a2,userIdentity.userName=suser," +
		"userIdentity.principalId=suid,userIdentity.accountId=cs1,userIdentity.type=cs2,errorCode=reason," +
		"errorMessage=msg,eventId=externalId,userAgent=requestClientApplication,requestId=cs3,acsRegion=cs4," +
		"eventRW=cs5,eventSource=dhost")
	adds, _ := ParseAdds("outcome=${errorCode:+failure:-success},cs1Label=${userIdentity.accountId:+accountId}," +
		"cs2Label=${userIdentity.type:+userIdentityType},cs3Label=${requestId:+requestId},cs4Label=${acsRegion:+acsRegion}," +
		"cs5Label=${eventRW:+eventRW}")
	class, _ := ParseTemplate("${serviceName}:${eventName}")
	name, _ := ParseTemplate("${eventName:-ActionTrail event}")
	set, err := rules.Load("../rules/testdata/example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	severity := Options{SeverityField: "errorCode", SeverityMap: sm, Severity: 6}
	cef := severity
	cef.Class, cef.Name, cef.Renames, cef.Add = class, name, rn, adds
	for _, c := range []struct {
		name string
		o    Options
	}{{"severity", severity}, {"actiontrail-cef", cef}} {
		for _, withRules := range []bool{false, true} {
			o := c.o
			n := c.name
			if withRules {
				o.Rules, n = set, n+"+rules"
			}
			m, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			g := benchGroup()
			b.Run(n, func(b *testing.B) {
				b.ReportAllocs()
				var s Scratch
				for b.Loop() {
					m.MapGroup(g, &s)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(g.Logs)), "ns/record")
			})
		}
	}
}
