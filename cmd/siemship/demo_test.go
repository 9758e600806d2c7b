package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// runDemoCommand runs `siemship demo` with args on a small logstore.
func runDemoCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = runCommand(ctx, "demo", append([]string{"--records", "200", "--shards", "1", "--show", "3", "--timeout", "60s"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantNothingLost checks the summary of a demo in which every record arrived once.
func wantNothingLost(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"  produced    200\n", "  shipped     200 ", "  received    200 (200 unique, 0 duplicates)\n", "  lost        0\n", "  time        "} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
}

func TestDemoSyslog(t *testing.T) {
	code, stdout, stderr := runDemoCommand(t)
	wantNothingLost(t, code, stdout, stderr)
	if !strings.Contains(stdout, "received: <134>1 ") || !strings.Contains(stdout, "  SYSLOG_HOST=127.0.0.1\n") {
		t.Errorf("stdout lacks a received RFC 5424 message or the SYSLOG_HOST setting:\n%s", stdout)
	}
}

// TestDemoHEC: with --output hec every record arrives in the HEC emulator once, the received lines are HEC events
// whose event object carries the seq, and the configuration printed is the hec one, its token redacted.
func TestDemoHEC(t *testing.T) {
	code, stdout, stderr := runDemoCommand(t, "--output", "hec")
	wantNothingLost(t, code, stdout, stderr)
	for _, w := range []string{"-> siemship -> HEC emulator at http://127.0.0.1:", "  SIEMSHIP_OUTPUT=hec\n", "  HEC_ACK=on\n",
		"  HEC_TOKEN=[redacted] (demo token of the embedded HEC emulator)\n"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	for _, unwanted := range []string{demoHECToken, "SYSLOG_", "SIEMSHIP_FORMAT"} {
		if strings.Contains(stdout, unwanted) {
			t.Errorf("stdout shows %q, which hec does not use or is secret:\n%s", unwanted, stdout)
		}
	}
	lines := 0
	for _, l := range strings.Split(stdout, "\n") {
		ev, ok := strings.CutPrefix(l, "received: ")
		if !ok {
			continue
		}
		lines++
		if !strings.HasPrefix(ev, `{"time":`) {
			t.Errorf("received line %q does not start with a HEC event's time", l)
		}
		var got struct {
			Time       float64           `json:"time"`
			Sourcetype string            `json:"sourcetype"`
			Event      map[string]string `json:"event"`
		}
		if err := json.Unmarshal([]byte(ev), &got); err != nil {
			t.Errorf("received line %q is no HEC event: %v", l, err)
			continue
		}
		if got.Time <= 0 || got.Sourcetype != "_json" || got.Event["seq"] == "" {
			t.Errorf("received line %q: time %v, sourcetype %q, seq %q", l, got.Time, got.Sourcetype, got.Event["seq"])
		}
	}
	if lines != 3 {
		t.Errorf("%d received lines, want --show 3:\n%s", lines, stdout)
	}
}

// TestDemoFlagsRefused: flags that cannot be honoured exit 2 before anything starts, naming the flag.
func TestDemoFlagsRefused(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"--output", "kafka"}, `--output must be syslog or hec, not "kafka"`},
		{[]string{"--output", "hec", "--format", "cef"}, "--format cef is not used with --output hec"},
		{[]string{"--output", "hec", "--header", "rfc3164"}, "--header rfc3164 is not used with --output hec"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runDemoCommand(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing on stdout and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}
