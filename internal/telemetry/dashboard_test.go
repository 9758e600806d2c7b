package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

const dashboardPath = "../../deploy/grafana/siemship.json"

var (
	promString   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	promBraces   = regexp.MustCompile(`\{[^{}]*\}`)
	promRange    = regexp.MustCompile(`\[[^\[\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promVariable = regexp.MustCompile(`\$(?:\{[^}]*\}|\w+)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true}
)

// exprMetrics returns the metric names a PromQL expression (or a Grafana label_values query) reads: identifiers
// that are not functions, keywords, label names, strings, durations or Grafana variables.
func exprMetrics(expr string) []string {
	s := promString.ReplaceAllString(expr, `""`)
	s = promVariable.ReplaceAllString(s, "")
	for prev := ""; prev != s; {
		prev = s
		s = promBraces.ReplaceAllString(s, "")
	}
	s = promRange.ReplaceAllString(s, "")
	s = promGrouping.ReplaceAllString(s, "")
	if inner, ok := strings.CutPrefix(strings.TrimSpace(s), "label_values("); ok { // label_values(metric, label)
		name, _, _ := strings.Cut(inner, ",")
		return []string{strings.TrimSpace(name)}
	}
	var out []string
	for _, loc := range promIdent.FindAllStringIndex(s, -1) {
		name := s[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsRune("0123456789.", rune(s[loc[0]-1])) {
			continue // the exponent of a number such as 1e3
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") || promKeywords[strings.ToLower(name)] {
			continue // a function call or a keyword
		}
		out = append(out, name)
	}
	return out
}

func TestExprMetrics(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (instance) (rate(siemship_records_sent_total{job=~"$job"}[$__rate_interval]))`, []string{"siemship_records_sent_total"}},
		{`histogram_quantile(0.99, sum by (le) (rate(x_bucket{a="b", c=~"d|e"}[5m])))`, []string{"x_bucket"}},
		{`a_total / on (instance) group_left (version) b_info > bool 0`, []string{"a_total", "b_info"}},
		{`max(lag{shard="1"}) offset 5m or vector(0)`, []string{"lag"}},
		{`label_values(siemship_build_info, job)`, []string{"siemship_build_info"}},
		{`sum(rate(a{x="rate(fake_metric)"}[1m])) * 1e3`, []string{"a"}},
	}
	for _, tt := range tests {
		if got := exprMetrics(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("exprMetrics(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// registeredNames returns every series name the registry exposes (with _bucket, _sum and _count for histograms
// and summaries), from a Telemetry whose lag was measured once so that the lag series exist.
func registeredNames(t *testing.T) map[string]bool {
	t.Helper()
	tel, _ := newTestTelemetry(t, nil)
	tel.SetConsumerStarted()
	tel.lag.measure(t.Context())
	fams, err := tel.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		n := f.GetName()
		names[n] = true
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[n+"_sum"], names[n+"_count"] = true, true
		}
	}
	return names
}

type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int     `json:"id"`
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"` // collapsed rows
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
}

// TestDashboard parses the Grafana dashboard and checks that every metric its queries read is one siemship
// registers, and that it shows what operators need: throughput, lag per shard, latency, failures, reconnects and
// truncation.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile(filepath.FromSlash(dashboardPath))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	var d dashboard
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	if d.Title == "" || d.UID == "" {
		t.Errorf("dashboard needs a title and a uid, got %q %q", d.Title, d.UID)
	}
	names := registeredNames(t)
	used := map[string]bool{}
	check := func(where, expr string) {
		ms := exprMetrics(expr)
		if len(ms) == 0 {
			t.Errorf("%s: no metric found in %q", where, expr)
		}
		for _, m := range ms {
			used[m] = true
			if !names[m] {
				t.Errorf("%s: %q reads %s, which siemship does not register", where, expr, m)
			}
		}
	}
	ids := map[int]bool{}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d used twice", p.ID)
			}
			ids[p.ID] = true
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, q := range p.Targets {
				check("panel "+p.Title+" "+q.RefID, q.Expr)
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var s string
			if err := json.Unmarshal(v.Query, &s); err != nil {
				t.Fatalf("variable %s: query is neither an object nor a string", v.Name)
			}
			q.Query = s
		}
		check("variable "+v.Name, q.Query)
	}
	for _, m := range []string{
		MetricRecordsSent, MetricShardLagSeconds, MetricShardLagLogGroups, MetricWriteDuration + "_bucket",
		MetricSendFailures, MetricReconnects, MetricRecordsTruncated, MetricRecordsDropped, MetricCheckpointCommits,
	} {
		if !used[m] {
			t.Errorf("the dashboard does not show %s", m)
		}
	}
}
