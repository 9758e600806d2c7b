package output_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/output"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
	"github.com/siemship/siemship/internal/testgear/refparse"
)

// actionTrail is an ActionTrail log group as SLS delivers it: a successful call from an IPv4 address, and a
// refused console sign-in from an IPv6 address.
func actionTrail() record.Group {
	f := func(kv ...string) []record.Field {
		var out []record.Field
		for i := 0; i < len(kv); i += 2 {
			out = append(out, record.Field{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	return record.Group{Topic: "actiontrail_audit_event", Source: "actiontrail", Logs: []record.Log{
		{Time: encodertest.Sec, TimeNs: 123e6, Contents: f("eventId", "2f1c0a4e-6a1b-4c3d-9e8f-0123456789ab",
			"eventName", "DescribeInstances", "eventType", "ApiCall", "eventRW", "Read", "eventTime", "2026-11-23T09:22:25Z",
			"serviceName", "Ecs", "acsRegion", "cn-hangzhou", "sourceIpAddress", "203.0.113.7",
			"userIdentity.type", "ram-user", "userIdentity.userName", "alice", "userIdentity.accountId", "1234567890123456",
			"userIdentity.principalId", "2034", "requestId", "B1C2D3", "userAgent", "Terraform/1.8.5")},
		{Time: encodertest.Sec, TimeNs: 456e6, Contents: f("eventId", "9a8b7c6d-0000-4000-8000-000000000001",
			"eventName", "ConsoleSignin", "eventType", "ConsoleSignin", "serviceName", "AasSub",
			"sourceIpAddress", "2001:db8::7", "userIdentity.type", "ram-user", "userIdentity.userName", "bob",
			"errorCode", "Forbidden.RAM", "errorMessage", "The user is not allowed | to sign in = here")},
	}}
}

// presetEnv is a configuration with the ActionTrail preset in format f.
func presetEnv(f string, extra ...string) []string {
	return append([]string{"SLS_ENDPOINT=e", "SLS_AK_ID=i", "SLS_AK_KEY=k", "SLS_PROJECT=p", "SLS_LOGSTORE=l",
		"SLS_CG=g", "SYSLOG_HOST=siem", "SYSLOG_HOSTNAME=shipper", "SIEMSHIP_PRESET=actiontrail", "SIEMSHIP_FORMAT=" + f}, extra...)
}

// frames maps and encodes g as the pipeline does and returns one line per message.
func frames(t *testing.T, environ []string, g record.Group) []string {
	t.Helper()
	cfg, err := config.Load(environ)
	if err != nil {
		t.Fatal(err)
	}
	enc, _, err := output.NewEncoder(cfg, message.FramingLF)
	if err != nil {
		t.Fatal(err)
	}
	m, err := output.NewMapping(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mg, heads, res := m.MapGroup(&g, new(mappingScratch))
	if res.Dropped != 0 {
		t.Fatalf("dropped %d", res.Dropped)
	}
	var b message.Batch
	enc.AppendGroup(&b, mg, heads, &message.Scratch{})
	return strings.Split(strings.TrimSuffix(string(b.Buf), "\n"), "\n")
}

// TestActionTrailPreset shows, with golden files and the reference parsers, that SIEMSHIP_PRESET=actiontrail puts
// the fields where ArcSight and QRadar expect them: CEF src (c6a2 for IPv6), suser, act, outcome, rt and a
// severity that follows errorCode; LEEF src, usrName, devTime and sev.
func TestActionTrailPreset(t *testing.T) {
	for _, f := range []string{"kv", "cef", "leef", "json"} {
		t.Run(f, func(t *testing.T) {
			lines := frames(t, presetEnv(f), actionTrail())
			encodertest.Golden(t, filepath.Join("testdata", "actiontrail."+f+".golden"), []byte(strings.Join(lines, "\n")+"\n"))
			// Every format: info for the successful call, warning for the refused one (PRI 14 and 12, facility user).
			for i, pri := range []string{"<14>1 ", "<12>1 "} {
				if !strings.HasPrefix(lines[i], pri) {
					t.Errorf("message %d: want PRI %s: %q", i, pri, lines[i])
				}
			}
			switch f {
			case "cef":
				checkCEF(t, lines)
			case "leef":
				checkLEEF(t, lines)
			}
		})
	}
}

func pairs(ps []refparse.Pair) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		if _, dup := m[p.Key]; !dup {
			m[p.Key] = p.Value
		}
	}
	return m
}

func checkCEF(t *testing.T, lines []string) {
	want := []struct {
		class, name, sev string
		ext              map[string]string
		absent           []string
	}{
		{"Ecs:DescribeInstances", "DescribeInstances", "3", map[string]string{"src": "203.0.113.7", "suser": "alice",
			"act": "DescribeInstances", "outcome": "success", "rt": "1795425745123", "cat": "ApiCall", "suid": "2034",
			"cs1": "1234567890123456", "cs1Label": "accountId", "cs2": "ram-user", "cs2Label": "userIdentityType",
			"externalId": "2f1c0a4e-6a1b-4c3d-9e8f-0123456789ab", "requestClientApplication": "Terraform/1.8.5",
			"cs3": "B1C2D3", "cs3Label": "requestId", "cs4": "cn-hangzhou", "cs4Label": "acsRegion", "cs5": "Read",
			"cs5Label": "eventRW"}, []string{"reason", "c6a2"}},
		{"AasSub:ConsoleSignin", "ConsoleSignin", "5", map[string]string{"c6a2": "2001:db8::7", "suser": "bob",
			"act": "ConsoleSignin", "outcome": "failure", "reason": "Forbidden.RAM", "rt": "1795425745456",
			"msg": "The user is not allowed | to sign in = here"}, []string{"src", "cs1", "cs1Label", "cs3Label"}},
	}
	for i, w := range want {
		c, err := refparse.ParseCEF(lines[i])
		if err != nil {
			t.Fatalf("message %d: %v: %q", i, err, lines[i])
		}
		if c.DeviceVendor != "Alibaba Cloud" || c.DeviceProduct != "ActionTrail" || c.DeviceEventClassID != w.class || c.Name != w.name || c.Severity != w.sev {
			t.Errorf("message %d: header %+v", i, c)
		}
		ext := pairs(c.Extension)
		for k, v := range w.ext {
			if ext[k] != v {
				t.Errorf("message %d: %s=%q, want %q", i, k, ext[k], v)
			}
		}
		for _, k := range w.absent {
			if _, ok := ext[k]; ok {
				t.Errorf("message %d: %s present", i, k)
			}
		}
	}
}

func checkLEEF(t *testing.T, lines []string) {
	want := []map[string]string{
		{"src": "203.0.113.7", "usrName": "alice", "devTime": "1795425745123", "sev": "3", "cat": "ApiCall",
			"accountName": "1234567890123456", "role": "ram-user", "realm": "cn-hangzhou"},
		{"src": "2001:db8::7", "usrName": "bob", "devTime": "1795425745456", "sev": "5", "errorCode": "Forbidden.RAM"},
	}
	for i, w := range want {
		l, err := refparse.ParseLEEF(lines[i])
		if err != nil {
			t.Fatalf("message %d: %v: %q", i, err, lines[i])
		}
		if l.Vendor != "Alibaba Cloud" || l.Product != "ActionTrail" || l.EventID != []string{"DescribeInstances", "ConsoleSignin"}[i] {
			t.Errorf("message %d: header %+v", i, l)
		}
		attrs := pairs(l.Attributes)
		for k, v := range w {
			if attrs[k] != v {
				t.Errorf("message %d: %s=%q, want %q", i, k, attrs[k], v)
			}
		}
	}
}

// TestPresetYields: a variable the user sets replaces the preset's value, and linked variables go together.
func TestPresetYields(t *testing.T) {
	lines := frames(t, presetEnv("cef", "CEF_PRODUCT=Audit", "SIEMSHIP_RENAME_FIELDS=eventName=act"), actionTrail())
	c, err := refparse.ParseCEF(lines[1])
	if err != nil {
		t.Fatal(err)
	}
	ext := pairs(c.Extension)
	if c.DeviceProduct != "Audit" || ext["act"] != "ConsoleSignin" || ext["suser"] != "" || ext["outcome"] != "" || c.Severity != "5" {
		t.Errorf("user settings did not replace the preset's: %+v", c)
	}
	if !slices.ContainsFunc(c.Extension, func(p refparse.Pair) bool { return strings.Contains(p.Key, "userName") }) {
		t.Errorf("userIdentity.userName not sent under its own key: %v", c.Extension)
	}
	if !bytes.Contains([]byte(lines[1]), []byte("<12>1 ")) {
		t.Errorf("severity map of the preset lost: %q", lines[1])
	}
}

type mappingScratch = mapping.Scratch
