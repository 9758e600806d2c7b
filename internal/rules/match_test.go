package rules

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/siemship/siemship/internal/record"
)

func mustParse(tb testing.TB, in string) *Set {
	tb.Helper()
	s, err := Parse([]byte(in), "r.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// log builds a log from key, value pairs.
func log(kv ...string) *record.Log {
	l := &record.Log{Time: 1700000000}
	for i := 0; i+1 < len(kv); i += 2 {
		l.Contents = append(l.Contents, record.Field{Key: kv[i], Value: kv[i+1]})
	}
	return l
}

func TestMatch(t *testing.T) {
	g := &record.Group{Topic: "actiontrail_audit", Source: "10.1.2.3", Tags: []record.Field{{Key: "env", Value: "prod"}, {Key: "empty", Value: ""}}}
	noTopic := &record.Group{}
	tests := []struct {
		name  string
		rules string // the rules, each a YAML flow mapping on one line; each sets severity, so only conditions vary
		g     *record.Group
		l     *record.Log
		want  int
	}{
		{"equal", "{match: {a: x}}", g, log("a", "x"), 0},
		{"not equal", "{match: {a: x}}", g, log("a", "y"), -1},
		{"case-sensitive", "{match: {a: x}}", g, log("a", "X"), -1},
		{"absent", "{match: {a: x}}", g, log("b", "x"), -1},
		{"one of a list", "{match: {a: [x, y, z]}}", g, log("a", "z"), 0},
		{"none of a list", "{match: {a: [x, y, z]}}", g, log("a", "w"), -1},
		{"long list hashed", "{match: {a: [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10]}}", g, log("a", "v10"), 0},
		{"long list miss", "{match: {a: [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10]}}", g, log("a", "v11"), -1},
		{"all fields must hold", "{match: {a: x, b: y}}", g, log("a", "x", "b", "n"), -1},
		{"all fields hold", "{match: {a: x, b: y}}", g, log("b", "y", "a", "x"), 0},
		{"star present", "{match: {a: '*'}}", g, log("a", "1"), 0},
		{"star empty", "{match: {a: '*'}}", g, log("a", ""), -1},
		{"star absent", "{match: {a: '*'}}", g, log("b", "1"), -1},
		{"star in a one-element list", "{match: {a: ['*']}}", g, log("a", "1"), 0},
		{"empty absent", "{match: {a: ''}}", g, log("b", "1"), 0},
		{"empty empty", "{match: {a: ''}}", g, log("a", ""), 0},
		{"empty present", "{match: {a: ''}}", g, log("a", "1"), -1},
		{"empty or value", "{match: {a: ['', x]}}", g, log("a", "x"), 0},
		{"empty or value absent", "{match: {a: ['', x]}}", g, log(), 0},
		{"duplicate keys second", "{match: {a: x}}", g, log("a", "y", "a", "x"), 0},
		{"duplicate keys star", "{match: {a: '*'}}", g, log("a", "", "a", "1"), 0},
		{"duplicate keys one empty", "{match: {a: ''}}", g, log("a", "1", "a", ""), 0},
		{"duplicate keys none", "{match: {a: x}}", g, log("a", "y", "a", "z"), -1},
		{"topic", "{match: {__topic__: actiontrail_audit}}", g, log(), 0},
		{"topic other", "{match: {__topic__: other}}", g, log(), -1},
		{"topic empty", "{match: {__topic__: ''}}", noTopic, log(), 0},
		{"topic star", "{match: {__topic__: '*'}}", noTopic, log(), -1},
		{"source", "{match: {__source__: 10.1.2.3}}", g, log(), 0},
		{"tag", "{match: {'__tag__:env': prod}}", g, log(), 0},
		{"tag other", "{match: {'__tag__:env': dev}}", g, log(), -1},
		{"tag absent", "{match: {'__tag__:zone': '*'}}", g, log(), -1},
		{"tag absent empty", "{match: {'__tag__:zone': ''}}", g, log(), 0},
		{"tag empty star", "{match: {'__tag__:empty': '*'}}", g, log(), -1},
		{"tag is not a content", "{match: {env: prod}}", g, log(), -1},
		{"content named like a tag", "{match: {'__tag__:env': x}}", g, log("__tag__:env", "x"), 0}, // as Lookup

		{"keyword in content", "{keyword: root}", g, log("a", "the root account"), 0},
		{"keyword case-sensitive", "{keyword: root}", g, log("a", "Root"), -1},
		{"keyword not in keys", "{keyword: root}", g, log("root", "x"), -1},
		{"keyword one of a list", "{keyword: [admin, root]}", g, log("a", "x", "b", "rooted"), 0},
		{"keyword in topic", "{keyword: trail}", g, log(), 0},
		{"keyword in source", "{keyword: '1.2'}", g, log(), 0},
		{"keyword in tag value", "{keyword: rod}", g, log(), 0},
		{"keyword not in tag key", "{keyword: env}", g, log(), -1},

		{"regex", "{regex: {a: '^x+$'}}", g, log("a", "xxx"), 0},
		{"regex unanchored", "{regex: {a: 'x'}}", g, log("a", "axb"), 0},
		{"regex no match", "{regex: {a: '^x+$'}}", g, log("a", "xy"), -1},
		{"regex absent", "{regex: {a: '.*'}}", g, log("b", "x"), -1},
		{"regex duplicate keys", "{regex: {a: '^x$'}}", g, log("a", "y", "a", "x"), 0},
		{"regex case flag", "{regex: {a: '(?i)^root$'}}", g, log("a", "ROOT"), 0},
		{"regex any field", "{regex: {'*': '^pro'}}", g, log("a", "x"), 0},
		{"regex any field content", "{regex: {'*': '^[0-9]+$'}}", g, log("a", "x", "b", "42"), 0},
		{"regex any field none", "{regex: {'*': '^zzz$'}}", g, log("a", "x"), -1},
		{"regex tag", "{regex: {'__tag__:env': '^p'}}", g, log(), 0},
		{"regex tag absent", "{regex: {'__tag__:zone': '.*'}}", g, log(), -1},
		{"regex topic", "{regex: {__topic__: '_audit$'}}", g, log(), 0},
		{"all kinds", "{match: {a: x}, keyword: needle, regex: {b: '^[0-9]+$'}}", g, log("a", "x", "b", "12", "c", "a needle"), 0},
		{"all kinds one fails", "{match: {a: x}, keyword: needle, regex: {b: '^[0-9]+$'}}", g, log("a", "x", "b", "12a", "c", "a needle"), -1},

		{"except holds", "{match: {a: x}, except: [{match: {b: y}}]}", g, log("a", "x", "b", "y"), -1},
		{"except does not hold", "{match: {a: x}, except: [{match: {b: y}}]}", g, log("a", "x", "b", "z"), 0},
		{"except any set", "{match: {a: x}, except: [{match: {b: y}}, {regex: {c: '^T'}}]}", g, log("a", "x", "c", "Terraform"), -1},
		{"except all of a set", "{match: {a: x}, except: [{match: {b: y}, keyword: zz}]}", g, log("a", "x", "b", "y"), 0},
		{"except all of a set hold", "{match: {a: x}, except: [{match: {b: y}, keyword: zz}]}", g, log("a", "x", "b", "y", "c", "zz"), -1},
		{"except keyword", "{match: {a: x}, except: [{keyword: prod}]}", g, log("a", "x"), -1},

		{"first match wins", "{match: {a: x}}\n  - {keyword: x}", g, log("a", "x"), 0},
		{"second", "{match: {a: y}}\n  - {keyword: x}", g, log("a", "x"), 1},
		{"excluded falls through", "{match: {a: x}, except: [{match: {b: y}}]}\n  - {keyword: x}", g, log("a", "x", "b", "y"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, "rules:\n  - "+numbered(tt.rules))
			if got := s.Match(tt.g, tt.l); got != tt.want {
				t.Errorf("Match = %d, want %d", got, tt.want)
			}
		})
	}
}

// numbered gives each one-line flow-mapping rule of rules a name and an action.
func numbered(rules string) string {
	out, n := "", 0
	for i := 0; i < len(rules); i++ {
		if rules[i] == '{' && (i == 0 || rules[i-1] == ' ' && rules[i-2] == '-') {
			out += "{name: r" + itoa(n) + ", severity: info, "
			n++
			continue
		}
		out += string(rules[i])
	}
	return out + "\n"
}

func TestMatchNil(t *testing.T) {
	var s *Set
	if s.Match(&record.Group{}, log("a", "b")) != -1 || s.Rules() != nil {
		t.Errorf("a nil Set matches nothing and has no rules")
	}
}

func TestMatchExample(t *testing.T) {
	s, err := Load(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	g := &record.Group{Topic: "actiontrail_audit"}
	tests := []struct {
		name string
		l    *record.Log
		want int
	}{
		{"describe read", log("eventName", "DescribeRegions", "eventRW", "Read"), 0},
		{"describe write", log("eventName", "DescribeRegions", "eventRW", "Write"), -1},
		{"failed sign-in", log("eventType", "ConsoleSignin", "errorCode", "InvalidPassword"), 1},
		{"sign-in", log("eventType", "ConsoleSignin", "errorCode", ""), -1},
		{"root", log("userIdentity.type", "root-account", "userIdentity.userName", "root"), 2},
		{"root from the bastion", log("userIdentity.type", "root-account", "userIdentity.userName", "root", "sourceIpAddress", "10.0.0.5"), -1},
		{"root by terraform", log("userIdentity.type", "root-account", "userIdentity.userName", "root", "userAgent", "Terraform/1.9"), -1},
		{"keyword without root account", log("userIdentity.type", "ram-user", "userIdentity.userName", "root"), -1},
	}
	for _, tt := range tests {
		if got := s.Match(g, tt.l); got != tt.want {
			t.Errorf("%s: Match = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestMatchAllocs: Match runs for every record.
func TestMatchAllocs(t *testing.T) {
	s := benchSet(t)
	g, l := actionTrail()
	for _, tc := range []struct {
		name string
		l    *record.Log
	}{
		{"no rule", l},
		{"last rule", withField(l, "eventName", "DeleteInstance")},
		{"excluded", withField(withField(l, "userIdentity.type", "root-account"), "userAgent", "Terraform/1.9.0")},
	} {
		if n := testing.AllocsPerRun(1000, func() { s.Match(g, tc.l) }); n != 0 {
			t.Errorf("%s: %v allocations per Match, want 0", tc.name, n)
		}
	}
}

func TestMatchConcurrent(t *testing.T) {
	s := benchSet(t)
	g, l := actionTrail()
	want := s.Match(g, l)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				if got := s.Match(g, l); got != want {
					t.Errorf("Match = %d, want %d", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// benchSet is five rules of the kind an ActionTrail logstore gets.
func benchSet(tb testing.TB) *Set {
	return mustParse(tb, `rules:
  - name: drop-describe-calls
    match:
      eventName: [DescribeRegions, DescribeInstances, DescribeZones, DescribeVpcs, ListBuckets]
      eventRW: Read
    drop: true
  - name: failed-signin
    match:
      eventType: ConsoleSignin
      errorCode: "*"
    severity: warning
    tag: {alert: failed-signin}
  - name: root-user
    keyword: [root, Administrator]
    regex:
      userIdentity.type: "^root-account$"
    except:
      - match: {sourceIpAddress: 10.0.0.5}
      - regex: {userAgent: "^Terraform/"}
    severity: crit
  - name: access-denied
    match:
      errorCode: [NoPermission, Forbidden.RAM, InvalidAccessKeyId.NotFound]
    severity: err
  - name: deletions
    regex:
      eventName: "^Delete"
    except:
      - match: {acsRegion: cn-shanghai-finance-1}
    severity: notice
`)
}

// actionTrail is a record that no rule of benchSet matches, so that Match tries all of them.
func actionTrail() (*record.Group, *record.Log) {
	g := &record.Group{Topic: "actiontrail_audit", Source: "log_service", Tags: []record.Field{{Key: "__receive_time__", Value: "1700000001"}}}
	return g, log(
		"seq", "18446744",
		"eventName", "RunInstances",
		"eventTime", "2026-11-23T09:22:25Z",
		"eventType", "ApiCall",
		"serviceName", "Ecs",
		"acsRegion", "cn-hangzhou",
		"sourceIpAddress", "47.96.12.34",
		"userIdentity.type", "ram-user",
		"errorCode", "",
		"userIdentity.userName", "alice",
		"userAgent", "AlibabaCloud (linux; amd64) Go/1.26 Core/0.0.1 TeaDSL/1",
	)
}

// withField returns a copy of l with key set to value.
func withField(l *record.Log, key, value string) *record.Log {
	c := &record.Log{Time: l.Time, Contents: append([]record.Field(nil), l.Contents...)}
	for i := range c.Contents {
		if c.Contents[i].Key == key {
			c.Contents[i].Value = value
			return c
		}
	}
	c.Contents = append(c.Contents, record.Field{Key: key, Value: value})
	return c
}

func BenchmarkMatch(b *testing.B) {
	s := benchSet(b)
	g, l := actionTrail()
	b.ReportAllocs()
	for b.Loop() {
		if s.Match(g, l) != -1 {
			b.Fatal("the record matched")
		}
	}
}
