package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

func TestCheck(t *testing.T) {
	emu := harness.StartEmulator(t, 2, 20)
	col := syslogrecv.NewCollector(10)
	recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, col.Handle)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()

	tests := []struct {
		name     string
		extra    []string
		sendTest bool
		want     int
		contains []string
	}{
		{"all good", nil, true, 0, []string{"[ok  ] SLS", "shards: 0 (readwrite), 1 (readwrite)", "does not exist yet", "[ok  ] syslog receiver", "test message sent", "result: OK",
			"sample message (kv, siemship preview shows more): <165>1 ", "||seq="}},
		{"cef sample", []string{"SIEMSHIP_FORMAT=cef", "SYSLOG_HEADER=rfc3164"}, false, 0, []string{"sample message (cef, siemship preview shows more): <165>Dec", "CEF:0|Alibaba Cloud|SLS|1|", " seq="}},
		{"wrong secret", []string{"SLS_AK_KEY=wrong"}, false, 1, []string{"[FAIL] SLS", "SignatureNotMatch", "check SLS_AK_ID/SLS_AK_KEY", "result: FAILED"}},
		{"unknown logstore", []string{"SLS_LOGSTORE=nope"}, false, 1, []string{"LogStoreNotExist"}},
		{"receiver down", []string{"SYSLOG_PORT=1"}, false, 1, []string{"[FAIL] syslog receiver"}},
		{"bad config", []string{"SYSLOG_PROTOCOL=tpc"}, false, 1, []string{"[FAIL] configuration", "SYSLOG_PROTOCOL", "result: FAILED"}},
		{"bad separator", []string{"SYSLOG_SEP=abc"}, false, 1, []string{"[FAIL] configuration", `SYSLOG_SEP="abc": must not start with a letter or digit`, "result: FAILED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			env := emu.Env(recv.Addr(), "tcp", tt.extra...)
			if got := check(t.Context(), env, tt.sendTest, &out); got != tt.want {
				t.Errorf("exit %d, want %d\n%s", got, tt.want, out.String())
			}
			for _, s := range tt.contains {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			if strings.Contains(out.String(), harness.Secret) {
				t.Errorf("output shows the secret:\n%s", out.String())
			}
		})
	}
	ctx := t.Context()
	if err := col.WaitFor(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if msg := string(col.Messages()[0]); !strings.Contains(msg, "||message=siemship check test message") {
		t.Fatalf("test message %q", msg)
	}
}

// TestSDKErrorsOnOneLine: when something in front of SLS answers with an HTML page, check and checkpoints print one
// line with the status and the page's text, not the SDK's JSON dump with the page escaped in it.
func TestSDKErrorsOnOneLine(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Log-Requestid", "PROXY1")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "<html>\n<head><title>403 Forbidden</title></head>\n<body>\n<h1>403 Forbidden</h1>\n<p>blocked by the egress proxy</p>\n</body>\n</html>\n")
	}))
	defer page.Close()
	emu := harness.StartEmulator(t, 1, 0)
	env := emu.Env("127.0.0.1:1", "tcp", "SLS_ENDPOINT="+page.Listener.Addr().String())
	oneLine := func(what, s string) {
		t.Helper()
		if !strings.Contains(s, "SLS answered HTTP 403") || !strings.Contains(s, "blocked by the egress proxy") ||
			strings.Contains(s, "<h1") || strings.Contains(s, `\n`) || strings.Contains(s, "RespBody") {
			t.Errorf("%s: %q, want one line with the status and the page's text", what, s)
		}
	}

	var out bytes.Buffer
	check(t.Context(), env, false, &out)
	var sls string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "[FAIL] SLS") {
			sls = l
		}
	}
	oneLine("check", sls)

	var stdout, stderr bytes.Buffer
	if code := checkpoints(t.Context(), env, false, &stdout, &stderr); code != 1 || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("checkpoints: exit %d, stderr %q; want 1 and one line", code, stderr.String())
	}
	oneLine("checkpoints", stderr.String())
	t.Logf("check: %s\ncheckpoints: %s", sls, stderr.String())
}

// TestTLSFileProblemsInCheckAndRun: a TLS file problem is a configuration problem naming its variable, the same in
// siemship check and siemship run (both load the configuration with config.Load), and a private key readable by
// others is a warning in both (config.Warnings).
func TestTLSFileProblemsInCheckAndRun(t *testing.T) {
	emu := harness.StartEmulator(t, 1, 0)
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	missing := f.CA + ".missing"
	env := emu.Env("127.0.0.1:1", "tls", "SYSLOG_TLS_CA_FILE="+missing, "SYSLOG_TLS_CERT_FILE="+f.ClientCert,
		"SYSLOG_TLS_KEY_FILE="+f.ServerKey)
	want := []string{
		`SYSLOG_TLS_CA_FILE="` + missing + `": no such file; check the path`,
		`SYSLOG_TLS_KEY_FILE="` + f.ServerKey + `": is not the private key of the client certificate`,
	}
	var out bytes.Buffer
	if code := check(t.Context(), env, false, &out); code != 1 || !strings.Contains(out.String(), "[FAIL] configuration:") {
		t.Errorf("check: exit %d, want 1 and a configuration failure:\n%s", code, out.String())
	}
	var stderr bytes.Buffer
	if cfg, code := loadConfig(config.Load, env, &stderr); cfg != nil || code != 2 { // what siemship run does first
		t.Errorf("run: loadConfig = %v, %d; want exit 2", cfg, code)
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) || !strings.Contains(stderr.String(), w) {
			t.Errorf("check and run do not both report %q:\ncheck:\n%s\nrun:\n%s", w, out.String(), stderr.String())
		}
	}

	// A key that others can read: a warning, in check as in run.
	if err := os.Chmod(f.ClientKey, 0o644); err != nil {
		t.Fatal(err)
	}
	env = emu.Env("127.0.0.1:1", "tls", "SYSLOG_TLS_CA_FILE="+f.CA, "SYSLOG_TLS_CERT_FILE="+f.ClientCert, "SYSLOG_TLS_KEY_FILE="+f.ClientKey)
	out.Reset()
	check(t.Context(), env, false, &out)
	warn := "[warn] SYSLOG_TLS_KEY_FILE=" + f.ClientKey + " is readable by group or others (mode 0644)"
	if !strings.Contains(out.String(), warn) || !strings.Contains(out.String(), "chmod 600") {
		t.Errorf("check lacks %q:\n%s", warn, out.String())
	}
	cfg, _ := loadConfig(config.Load, env, &stderr)
	if cfg == nil || len(cfg.Warnings()) != 1 || !strings.HasPrefix("[warn] "+cfg.Warnings()[0], warn) { // run logs each
		t.Errorf("run: warnings %v", cfg.Warnings())
	}
}

// TestSettingsInCheckAndRun: a value gets the same verdict from siemship check and siemship run. A refused value
// is reported by check and by run's loadConfig with the same line naming the variable; an accepted one passes
// check's configuration and encoder steps and builds every component run builds (app.New). Values that passed
// check and failed run at start before the components' rules moved into the configuration are here
// (internal/config's TestCheckAndRunAgree has every variable).
func TestSettingsInCheckAndRun(t *testing.T) {
	emu := harness.StartEmulator(t, 1, 0)
	long := []string{"SYSLOG_HOSTNAME=" + strings.Repeat("h", 255), "SYSLOG_APP_NAME=" + strings.Repeat("a", 48),
		"SYSLOG_PROCID=" + strings.Repeat("p", 128), "SYSLOG_MSGID=" + strings.Repeat("m", 32)}
	tests := []struct {
		extra []string
		want  string // the problem, "" when valid
	}{
		{[]string{"SYSLOG_SEP=abc"}, `SYSLOG_SEP="abc": must not start with a letter or digit`},
		{[]string{"SYSLOG_SEP=a"}, `SYSLOG_SEP="a": must not start with a letter or digit`},
		{[]string{"SYSLOG_SEP=|="}, `SYSLOG_SEP="|=": must be printable ASCII (space included) without \ and =`},
		{[]string{"SYSLOG_SEP=" + strings.Repeat("#", 17)}, `SYSLOG_SEP="` + strings.Repeat("#", 17) + `": must be at most 16 bytes, not 17`},
		{[]string{"SYSLOG_SEP=" + strings.Repeat("#", 16)}, ""},
		{[]string{"SYSLOG_SEP=||"}, ""},
		{[]string{"SYSLOG_SEP=;"}, ""},
		{[]string{"SYSLOG_STRUCTURED_DATA=[x@1 k=\"a\tb\"]"}, `SYSLOG_STRUCTURED_DATA="[x@1 k=\"a\tb\"]": must be RFC 5424 STRUCTURED-DATA`},
		{[]string{`SYSLOG_STRUCTURED_DATA=[x@1 k="v"]`}, ""},
		{slices.Concat(long, []string{"SYSLOG_MAX_MESSAGE_BYTES=480"}), `SYSLOG_MAX_MESSAGE_BYTES="480": must be 568 to 16777216 for tcp (or 0 for the default)`},
		{slices.Concat(long, []string{"SYSLOG_MAX_MESSAGE_BYTES=568"}), ""},
		{[]string{"SYSLOG_PROTOCOL=udp", "SYSLOG_CONFIRM=write"}, `SYSLOG_CONFIRM="write": only used with SYSLOG_PROTOCOL=tcp or tls, not udp`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.extra, " ")[:min(60, len(strings.Join(tt.extra, " ")))], func(t *testing.T) {
			env := emu.Env("127.0.0.1:1", "tcp", tt.extra...)
			var out, stderr bytes.Buffer
			code := check(t.Context(), env, false, &out)
			cfg, _ := loadConfig(config.Load, env, &stderr) // what siemship run does first
			if tt.want != "" {
				if code != 1 || !strings.Contains(out.String(), "[FAIL] configuration:") || !strings.Contains(out.String(), tt.want) {
					t.Errorf("check: exit %d, want 1 and %q:\n%s", code, tt.want, out.String())
				}
				if cfg != nil || !strings.Contains(stderr.String(), tt.want) {
					t.Errorf("run: want %q:\n%s", tt.want, stderr.String())
				}
				return
			}
			if !strings.Contains(out.String(), "[ok  ] configuration:") || strings.Contains(out.String(), "settings:") {
				t.Errorf("check refuses a valid setting:\n%s", out.String())
			}
			if cfg == nil {
				t.Fatalf("run refuses a valid setting:\n%s", stderr.String())
			}
			if _, err := app.New(cfg, nil); err != nil { // what siemship run does next; it does not connect
				t.Errorf("run: app.New: %v", err)
			}
		})
	}
}

// TestCheckHEC: with SIEMSHIP_OUTPUT=hec, check reaches HEC's health endpoint and validates the token, and says
// which variable to fix when HEC refuses it.
func TestCheckHEC(t *testing.T) {
	const tok, disabled = "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-000000000000"
	emu := harness.StartEmulator(t, 1, 5)
	h := hecemu.New(hecemu.Options{})
	h.AddToken(tok, hecemu.Token{Ack: true})
	h.AddToken(disabled, hecemu.Token{})
	h.DisableToken(disabled)
	u, err := h.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	for _, tt := range []struct {
		name     string
		extra    []string
		want     int
		contains []string
	}{
		{"good token", []string{"HEC_TOKEN=" + tok}, 0, []string{"[ok  ] splunk hec", "result: OK", `sample message (hec, `, `"event":{`}},
		{"unknown token", []string{"HEC_TOKEN=wrong"}, 1, []string{"[FAIL]", "HEC_TOKEN", "result: FAILED"}},
		{"disabled token", []string{"HEC_TOKEN=" + disabled}, 1, []string{"[FAIL]", "HEC_TOKEN", "result: FAILED"}},
		{"unreachable", []string{"HEC_TOKEN=" + tok, "HEC_URL=http://127.0.0.1:1"}, 1, []string{"[FAIL]", "result: FAILED"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			env := emu.Env("127.0.0.1:9", "tcp", append([]string{"SIEMSHIP_OUTPUT=hec", "HEC_URL=" + u}, tt.extra...)...)
			if got := check(t.Context(), env, false, &out); got != tt.want {
				t.Errorf("exit %d, want %d\n%s", got, tt.want, out.String())
			}
			for _, s := range tt.contains {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			if strings.Contains(out.String(), tok) || strings.Contains(out.String(), disabled) {
				t.Errorf("output shows the token:\n%s", out.String())
			}
		})
	}
}
