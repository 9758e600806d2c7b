package mapping

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/rules"
)

func fields(kv ...string) []record.Field {
	var out []record.Field
	for i := 0; i < len(kv); i += 2 {
		out = append(out, record.Field{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func mustTemplate(t *testing.T, s string) *Template {
	t.Helper()
	tp, err := ParseTemplate(s)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func mustMapper(t *testing.T, o Options) *Mapper {
	t.Helper()
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInactive(t *testing.T) {
	m := mustMapper(t, Options{Severity: 6})
	g := &record.Group{Logs: []record.Log{{Contents: fields("a", "1")}}}
	out, heads, res := m.MapGroup(g, new(Scratch))
	if m.Active() || out != g || heads != nil || res.Dropped != 0 {
		t.Errorf("an empty mapping changed the group: active %v, %p vs %p, heads %v", m.Active(), out, g, heads)
	}
}

func TestSeverity(t *testing.T) {
	sm, err := ParseSeverityMap("Forbidden=err,*=warning")
	if err != nil {
		t.Fatal(err)
	}
	lvl, err := ParseSeverityMap("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		o     Options
		log   []record.Field
		want  int
		unset bool
	}{
		{"mapped value", Options{SeverityField: "errorCode", SeverityMap: sm, Severity: 6}, fields("errorCode", "Forbidden"), 3, false},
		{"any other value", Options{SeverityField: "errorCode", SeverityMap: sm, Severity: 6}, fields("errorCode", "Throttling"), 4, false},
		{"absent: the setting", Options{SeverityField: "errorCode", SeverityMap: sm, Severity: 6}, fields("x", "y"), 6, false},
		{"empty: the setting", Options{SeverityField: "errorCode", SeverityMap: sm, Severity: 6}, fields("errorCode", ""), 6, false},
		{"a severity name without a map", Options{SeverityField: "level", SeverityMap: lvl, Severity: 6}, fields("level", "ERROR"), 3, false},
		{"an unknown value without a map", Options{SeverityField: "level", SeverityMap: lvl, Severity: 5}, fields("level", "loud"), 5, false},
		{"no field: not set", Options{FacilityField: "f", Severity: 6}, fields("level", "ERROR"), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustMapper(t, tc.o)
			g := &record.Group{Logs: []record.Log{{Contents: tc.log}}}
			_, heads, _ := m.MapGroup(g, new(Scratch))
			if len(heads) != 1 || heads[0].Has(message.HeadSeverity) == tc.unset || !tc.unset && heads[0].Severity != tc.want {
				t.Errorf("heads %+v, want severity %d (unset %v)", heads, tc.want, tc.unset)
			}
		})
	}
}

func TestHeadFields(t *testing.T) {
	m := mustMapper(t, Options{FacilityField: "fac", Hostname: mustTemplate(t, "${host:-unknown}"),
		AppName: mustTemplate(t, "${__topic__}"), MsgID: mustTemplate(t, "${eventType}"),
		Class: mustTemplate(t, "${serviceName}:${eventName}"), Name: mustTemplate(t, "${eventName}"),
		Vendor: mustTemplate(t, "${vendor:-Alibaba}"), Product: mustTemplate(t, "x"+"${p}"), Version: mustTemplate(t, "${v:+yes:-no}")})
	g := &record.Group{Topic: "trail", Logs: []record.Log{
		{Contents: fields("fac", "local3", "host", "h1", "eventType", "ApiCall", "serviceName", "Ecs", "eventName", "Run")},
		{Contents: fields("fac", "nope", "v", "1")},
	}}
	_, heads, _ := m.MapGroup(g, new(Scratch))
	want := []message.Head{
		{Set: message.HeadFacility | message.HeadHostname | message.HeadAppName | message.HeadMsgID | message.HeadClass |
			message.HeadName | message.HeadVendor | message.HeadProduct | message.HeadVersion, Facility: 19,
			Hostname: "h1", AppName: "trail", MsgID: "ApiCall", Class: "Ecs:Run", Name: "Run", Vendor: "Alibaba", Product: "x", Version: "no"},
		{Set: message.HeadHostname | message.HeadAppName | message.HeadMsgID | message.HeadClass | message.HeadName |
			message.HeadVendor | message.HeadProduct | message.HeadVersion,
			Hostname: "unknown", AppName: "trail", Class: ":", Vendor: "Alibaba", Product: "x", Version: "yes"},
	}
	if !slices.Equal(heads, want) {
		t.Errorf("heads\n%+v\nwant\n%+v", heads, want)
	}
}

func TestFields(t *testing.T) {
	rn, err := ParseRenames("sourceIpAddress=src|c6a2,eventName=act")
	if err != nil {
		t.Fatal(err)
	}
	keep, _ := ParseFieldList("sourceIpAddress,eventName,request*,errorCode")
	drop, _ := ParseFieldList("requestSecret")
	adds, err := ParseAdds("outcome=${errorCode:+failure:-success},label=${none}")
	if err != nil {
		t.Fatal(err)
	}
	m := mustMapper(t, Options{Renames: rn, Keep: keep, Drop: drop, Add: adds})
	g := &record.Group{Topic: "t", Logs: []record.Log{
		{Contents: fields("sourceIpAddress", "10.0.0.1", "eventName", "Run", "other", "x", "requestId", "r", "requestSecret", "s")},
		{Contents: fields("sourceIpAddress", "2001:db8::1", "errorCode", "E", "sourceIpAddress", "10.0.0.2")},
	}}
	orig := slices.Clone(g.Logs[0].Contents)
	out, heads, _ := m.MapGroup(g, new(Scratch))
	if heads != nil {
		t.Errorf("heads %v without header fields", heads)
	}
	want := [][]record.Field{
		fields("src", "10.0.0.1", "act", "Run", "requestId", "r", "outcome", "success"),
		fields("c6a2", "2001:db8::1", "errorCode", "E", "src", "10.0.0.2", "outcome", "failure"),
	}
	if out == g || out.Topic != "t" || len(out.Logs) != 2 {
		t.Fatalf("out %+v", out)
	}
	for i := range want {
		if !slices.Equal(out.Logs[i].Contents, want[i]) {
			t.Errorf("log %d: %v, want %v", i, out.Logs[i].Contents, want[i])
		}
	}
	if !slices.Equal(g.Logs[0].Contents, orig) {
		t.Errorf("the input changed: %v", g.Logs[0].Contents)
	}
}

func TestRules(t *testing.T) {
	set, err := rules.Load("../rules/testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sm, _ := ParseSeverityMap("*=notice")
	m := mustMapper(t, Options{Rules: set, SeverityField: "errorCode", SeverityMap: sm, Severity: 6})
	g := &record.Group{Logs: []record.Log{
		{Contents: fields("eventName", "DescribeRegions", "eventRW", "Read")},                                                       // drop-describe-calls
		{Contents: fields("eventType", "ConsoleSignin", "errorCode", "Forbidden")},                                                  // failed-signin
		{Contents: fields("eventName", "Run", "userIdentity.type", "root-account", "userName", "root")},                             // root-user
		{Contents: fields("eventName", "Run", "userIdentity.type", "root-account", "userName", "root", "userAgent", "Terraform/1")}, // excepted
		{Contents: fields("eventName", "DescribeRegions", "eventRW", "Write", "errorCode", "X")},                                    // none: the map
	}}
	out, heads, res := m.MapGroup(g, new(Scratch))
	if res.Dropped != 1 || len(out.Logs) != 4 || len(heads) != 4 {
		t.Fatalf("dropped %d, %d logs, %d heads", res.Dropped, len(out.Logs), len(heads))
	}
	for i, want := range []int{4, 2, 6, 5} {
		if heads[i].Severity != want || !heads[i].Has(message.HeadSeverity) {
			t.Errorf("log %d: severity %d, want %d", i, heads[i].Severity, want)
		}
	}
	if c := out.Logs[0].Contents; c[len(c)-1] != (record.Field{Key: "alert", Value: "failed-signin"}) {
		t.Errorf("failed-signin's tag missing: %v", c)
	}
	if !slices.Equal(out.Logs[2].Contents, g.Logs[3].Contents) {
		t.Errorf("an excepted record changed: %v", out.Logs[2].Contents)
	}
	got := m.RuleCounts()
	want := []RuleCount{{"drop-describe-calls", 1, 1}, {"failed-signin", 1, 0}, {"root-user", 1, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	if r := m.Match(g, &g.Logs[1]); r == nil || r.Name != "failed-signin" {
		t.Errorf("Match: %+v", r)
	}
}

// TestMapGroupAllocs: mapping allocates nothing once the scratch has grown, templates of several parts included.
func TestMapGroupAllocs(t *testing.T) {
	rn, _ := ParseRenames("a=b")
	sm, _ := ParseSeverityMap("*=warning")
	m := mustMapper(t, Options{SeverityField: "e", SeverityMap: sm, Renames: rn, Name: mustTemplate(t, "${a}"),
		Class: mustTemplate(t, "${a}:${e:-none}"),
		Add:   []Add{{Key: "k", Value: mustTemplate(t, "${e:+yes:-no}")}}})
	g := &record.Group{Logs: []record.Log{{Contents: fields("a", "1", "e", "x")}, {Contents: fields("a", "2")}}}
	var s Scratch
	m.MapGroup(g, &s)
	if n := testing.AllocsPerRun(100, func() { m.MapGroup(g, &s) }); n != 0 {
		t.Errorf("%v allocations per group", n)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"severity map without =", func() error { _, err := ParseSeverityMap("ERROR"); return err }()},
		{"severity map bad severity", func() error { _, err := ParseSeverityMap("E=loud"); return err }()},
		{"severity map twice", func() error { _, err := ParseSeverityMap("E=err,E=info"); return err }()},
		{"severity map empty value", func() error { _, err := ParseSeverityMap("=err"); return err }()},
		{"rename without =", func() error { _, err := ParseRenames("a"); return err }()},
		{"rename empty target", func() error { _, err := ParseRenames("a="); return err }()},
		{"rename half ipv6", func() error { _, err := ParseRenames("a=b|"); return err }()},
		{"list inner *", func() error { _, err := ParseFieldList("a*b"); return err }()},
		{"list *", func() error { _, err := ParseFieldList("*"); return err }()},
		{"add without key", func() error { _, err := ParseAdds("=v"); return err }()},
		{"add bad template", func() error { _, err := ParseAdds("k=${"); return err }()},
		{"map without field", func() error {
			sm, _ := ParseSeverityMap("*=err")
			_, err := New(Options{SeverityMap: sm})
			return err
		}()},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestArena: the texts of templates of several parts stay intact for the whole group, however many chunks they
// fill, and the next call reuses the room.
func TestArena(t *testing.T) {
	m := mustMapper(t, Options{Class: mustTemplate(t, "${svc}:${name}")})
	var s Scratch
	for round := range 3 {
		g := &record.Group{}
		for i := range 5000 {
			g.Logs = append(g.Logs, record.Log{Contents: fields("svc", strings.Repeat("s", i%50), "name", strconv.Itoa(round*10000+i))})
		}
		_, heads, _ := m.MapGroup(g, &s)
		for i, h := range heads {
			if want := strings.Repeat("s", i%50) + ":" + strconv.Itoa(round*10000+i); h.Class != want {
				t.Fatalf("round %d log %d: class %q, want %q", round, i, h.Class, want)
			}
		}
	}
	if n := len(s.arena.chunks); n < 2 || n > 20 {
		t.Errorf("%d chunks", n)
	}
}

// TestRelease: after Release the scratch holds no string of the group it mapped.
func TestRelease(t *testing.T) {
	rn, _ := ParseRenames("a=b")
	m := mustMapper(t, Options{Renames: rn, Name: mustTemplate(t, "${a}")})
	var s Scratch
	m.MapGroup(&record.Group{Topic: "t", Logs: []record.Log{{Contents: fields("a", "1", "c", "2")}}}, &s)
	s.Release()
	for _, f := range s.fields[:cap(s.fields)] {
		if f != (record.Field{}) {
			t.Fatalf("field %v kept", f)
		}
	}
	for _, h := range s.heads[:cap(s.heads)] {
		if h != (message.Head{}) {
			t.Fatalf("head %v kept", h)
		}
	}
	if len(s.keys) != 0 || s.group.Topic != "" || s.logs[:cap(s.logs)][0].Contents != nil {
		t.Fatal("references kept")
	}
}
