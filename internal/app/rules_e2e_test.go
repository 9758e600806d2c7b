package app_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"google.golang.org/protobuf/proto"

	"github.com/siemship/siemship/internal/telemetry"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestRulesEndToEnd ships records of five kinds through the rules of docs/rules.md (the file of
// internal/rules/testdata, with a drop rule, a match rule, and a keyword and regex rule with exclusions): dropped
// records never arrive, the others arrive with the severity and tag their rule sets, the metrics count each rule,
// and the checkpoint moves past the dropped records, the last ones included.
func TestRulesEndToEnd(t *testing.T) {
	const perKind = 40
	kinds := [][]string{
		{"eventName", "DescribeInstances", "eventRW", "Read"},                            // drop-describe-calls
		{"eventType", "ConsoleSignin", "errorCode", "Forbidden.RAM"},                     // failed-signin: warning, tag
		{"userIdentity.type", "root-account", "userAgent", "aliyun-cli/3.0"},             // root-user: crit
		{"userIdentity.type", "root-account", "userAgent", "Terraform/1.8.5"},            // root-user's exception
		{"eventName", "CreateVpc", "userIdentity.type", "ram-user", "userName", "alice"}, // no rule
	}
	wantSeverity := []int{-1, 4, 2, 6, 6} // SYSLOG_SEVERITY is info (6)
	emu := harness.StartEmulator(t, 1, 0)
	var logs []*sls.Log
	for i := range perKind * len(kinds) {
		kind := (i + 1) % len(kinds) // the last record is a dropped one
		l := &sls.Log{Time: proto.Uint32(uint32(time.Now().Unix()))}
		kv := append([]string{"seq", strconv.Itoa(i + 1), "kind", strconv.Itoa(kind)}, kinds[kind]...)
		for j := 0; j < len(kv); j += 2 {
			l.Contents = append(l.Contents, &sls.LogContent{Key: proto.String(kv[j]), Value: proto.String(kv[j+1])})
		}
		logs = append(logs, l)
	}
	for i := 0; i < len(logs); i += 25 {
		g := &sls.LogGroup{Topic: proto.String("actiontrail_audit_event"), Logs: logs[i:min(i+25, len(logs))]}
		if _, err := emu.Put(harness.Project, harness.Logstore, 0, g); err != nil {
			t.Fatal(err)
		}
	}
	col := syslogrecv.NewCollector(0)
	r, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, col.Handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	sh := harness.StartShipper(t, emu.Env(r.Addr(), "tcp", "SIEMSHIP_HTTP_ADDR=127.0.0.1:0",
		"SIEMSHIP_RULES_FILE=../rules/testdata/example.yaml", "SLS_MAX_FETCH_LOG_GROUPS=2", "SYSLOG_SEVERITY=info",
		"SLS_HEARTBEAT_TIMEOUT=10s", "SIEMSHIP_SHUTDOWN_TIMEOUT=6s"))
	var addr string
	eventually(t, 10*time.Second, "the metrics server", func() bool { addr = sh.App.HTTPAddr(); return addr != "" })
	base := "http://" + addr

	sent := perKind * (len(kinds) - 1)
	waitRecords(t, col, sent)
	waitLagZero(t, base, 1) // the checkpoint is past every record, the dropped last one included
	time.Sleep(500 * time.Millisecond)
	msgs := col.Messages()
	if len(msgs) != sent {
		t.Fatalf("received %d messages, want %d", len(msgs), sent)
	}
	pri := regexp.MustCompile(`^<(\d+)>1 `)
	kindOf := regexp.MustCompile(`\|\|kind=(\d)`)
	perKindGot := make([]int, len(kinds))
	for _, m := range msgs {
		p, k := pri.FindSubmatch(m), kindOf.FindSubmatch(m)
		if p == nil || k == nil {
			t.Fatalf("unexpected message %q", m)
		}
		prival, _ := strconv.Atoi(string(p[1]))
		kind, _ := strconv.Atoi(string(k[1]))
		perKindGot[kind]++
		if sev := prival % 8; sev != wantSeverity[kind] {
			t.Errorf("kind %d arrived with severity %d, want %d: %q", kind, sev, wantSeverity[kind], m)
		}
		if tagged := regexp.MustCompile(`\|\|alert=failed-signin$`).Match(m); tagged != (kind == 1) {
			t.Errorf("kind %d: tag alert=failed-signin present %v: %q", kind, tagged, m)
		}
	}
	if want := []int{0, perKind, perKind, perKind, perKind}; fmt.Sprint(perKindGot) != fmt.Sprint(want) {
		t.Errorf("messages per kind %v, want %v", perKindGot, want)
	}
	fams := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{telemetry.MetricRulesMatched, []string{"rule=drop-describe-calls"}, perKind},
		{telemetry.MetricRulesDropped, []string{"rule=drop-describe-calls"}, perKind},
		{telemetry.MetricRulesMatched, []string{"rule=failed-signin"}, perKind},
		{telemetry.MetricRulesDropped, []string{"rule=failed-signin"}, 0},
		{telemetry.MetricRulesMatched, []string{"rule=root-user"}, perKind},
		{telemetry.MetricRecordsFiltered, nil, perKind},
		{telemetry.MetricRecordsSent, nil, float64(sent)},
		{telemetry.MetricRecordsPulled, nil, float64(perKind * len(kinds))},
	} {
		if got := sum(fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}
