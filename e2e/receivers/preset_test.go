package receivers

import (
	"context"
	"testing"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"google.golang.org/protobuf/proto"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/realrecv"
	"github.com/siemship/siemship/internal/testgear/refparse"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// presetRecords are two ActionTrail events as SLS stores them: a successful call from an IPv4 address and a refused
// console sign-in from an IPv6 address.
func presetRecords() *sls.LogGroup {
	mk := func(sec uint32, kv ...string) *sls.Log {
		l := &sls.Log{Time: proto.Uint32(sec)}
		for i := 0; i < len(kv); i += 2 {
			l.Contents = append(l.Contents, &sls.LogContent{Key: proto.String(kv[i]), Value: proto.String(kv[i+1])})
		}
		return l
	}
	return &sls.LogGroup{Topic: proto.String("actiontrail_audit_event"), Logs: []*sls.Log{
		mk(1795425745, "eventId", "2f1c0a4e-6a1b-4c3d-9e8f-0123456789ab", "eventName", "DescribeInstances",
			"eventType", "ApiCall", "serviceName", "Ecs", "acsRegion", "cn-hangzhou", "sourceIpAddress", "203.0.113.7",
			"userIdentity.type", "ram-user", "userIdentity.userName", "alice"),
		mk(1795425746, "eventId", "9a8b7c6d-0000-4000-8000-000000000001", "eventName", "ConsoleSignin",
			"eventType", "ConsoleSignin", "serviceName", "AasSub", "sourceIpAddress", "2001:db8::7",
			"userIdentity.userName", "bob", "errorCode", "Forbidden.RAM", "errorMessage", "not allowed = here"),
	}}
}

// TestActionTrailPreset ships ActionTrail events with SIEMSHIP_PRESET=actiontrail: in CEF to rsyslog, whose
// liblognorm CEF parser (mmnormalize) must find src (c6a2 for IPv6), suser, act, outcome, reason and rt where
// ArcSight expects them, with the severity following errorCode; in LEEF to syslog-ng, whose stored raw message the
// reference LEEF parser reads (no LEEF parser we did not write runs here) for src, usrName, devTime and sev.
func TestActionTrailPreset(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		format, receiver string
	}{{"cef", realrecv.ReceiverRsyslog}, {"leef", realrecv.ReceiverSyslogNG}} {
		t.Run(c.format, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
			defer cancel()
			var rr realrecv.Receiver
			listener := realrecv.ListenerTCP
			if c.receiver == realrecv.ReceiverRsyslog {
				rr = realrecv.StartRsyslog(t, realrecv.RsyslogOptions{ParseCEF: true})
			} else {
				rr = realrecv.StartSyslogNG(t, realrecv.SyslogNGOptions{})
			}
			e := harness.StartEmulator(t, deliveryShards, 0)
			if _, err := e.Put(harness.Project, harness.Logstore, slsemu.AnyShard, presetRecords()); err != nil {
				t.Fatal(err)
			}
			env := e.Env(rr.Addr(listener), "tcp", "SIEMSHIP_FORMAT="+c.format, "SIEMSHIP_PRESET=actiontrail",
				"SYSLOG_HEADER=rfc3164", "SYSLOG_SEVERITY=info", "SYSLOG_FACILITY=local0", "SYSLOG_FRAMING=octet", "LEEF_DELIMITER=^")
			s := startShipper(t, env)
			waitCheckpointed(ctx, t, e)
			waitStored(ctx, t, rr, 2)
			if err := s.stop(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			msgs, err := rr.Messages()
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 2 {
				t.Fatalf("%d messages stored, want 2", len(msgs))
			}
			for i, m := range msgs {
				if want := []string{"134", "132"}[i]; m.Pri != want { // local0.info, local0.warning
					t.Errorf("message %d: PRI %s, want %s", i, m.Pri, want)
				}
			}
			if c.format == "cef" {
				checkPresetCEF(t, msgs)
			} else {
				checkPresetLEEF(t, msgs)
			}
		})
	}
}

func checkPresetCEF(t *testing.T, msgs []realrecv.Parsed) {
	want := []struct {
		class, name, sev string
		ext              map[string]string
	}{
		{"Ecs:DescribeInstances", "DescribeInstances", "3", map[string]string{"src": "203.0.113.7", "suser": "alice",
			"act": "DescribeInstances", "outcome": "success", "cat": "ApiCall", "cs4": "cn-hangzhou", "cs4Label": "acsRegion",
			"externalId": "2f1c0a4e-6a1b-4c3d-9e8f-0123456789ab", "t": "1795425745000"}},
		{"AasSub:ConsoleSignin", "ConsoleSignin", "5", map[string]string{"c6a2": "2001:db8::7", "suser": "bob",
			"act": "ConsoleSignin", "outcome": "failure", "reason": "Forbidden.RAM", "msg": "not allowed = here",
			"t": "1795425746000"}},
	}
	for i, w := range want {
		c := msgs[i].CEF
		if c == nil || !c.OK {
			t.Fatalf("message %d: liblognorm did not parse it: %+v", i, c)
		}
		if c.DeviceProduct != "ActionTrail" || c.SignatureID != w.class || c.Name != w.name || c.Severity != w.sev {
			t.Errorf("message %d: header %+v", i, c)
		}
		ext := map[string]string{}
		for _, p := range c.Extensions {
			ext[p.Key] = p.Value
		}
		// liblognorm 2.0.6 drops the first key's first character: rt arrives as "t" (realrecv.CEFEvent).
		for k, v := range w.ext {
			if ext[k] != v {
				t.Errorf("message %d: %s=%q, want %q (all: %v)", i, k, ext[k], v, ext)
			}
		}
	}
}

func checkPresetLEEF(t *testing.T, msgs []realrecv.Parsed) {
	want := []map[string]string{
		{"src": "203.0.113.7", "usrName": "alice", "devTime": "1795425745000", "sev": "3", "cat": "ApiCall", "realm": "cn-hangzhou", "role": "ram-user"},
		{"src": "2001:db8::7", "usrName": "bob", "devTime": "1795425746000", "sev": "5", "errorCode": "Forbidden.RAM"},
	}
	for i, w := range want {
		l, err := refparse.ParseLEEF(msgs[i].Raw)
		if err != nil {
			t.Fatalf("message %d: %v: %q", i, err, msgs[i].Raw)
		}
		if l.Product != "ActionTrail" || l.EventID != []string{"DescribeInstances", "ConsoleSignin"}[i] {
			t.Errorf("message %d: header %+v", i, l)
		}
		attrs := map[string]string{}
		for _, p := range l.Attributes {
			attrs[p.Key] = p.Value
		}
		for k, v := range w {
			if attrs[k] != v {
				t.Errorf("message %d: %s=%q, want %q", i, k, attrs[k], v)
			}
		}
	}
}
