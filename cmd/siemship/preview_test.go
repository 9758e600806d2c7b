package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/refparse"
)

// TestPreviewLogstore prints the first records of the emulator's logstore in every format and checks each line
// with a parser of that format (kv.ParsePayload, refparse, encoding/json via a prefix check).
func TestPreviewLogstore(t *testing.T) {
	emu := harness.StartEmulator(t, 2, 40)
	for _, tc := range []struct {
		format string
		check  func(t *testing.T, line string)
	}{
		{"kv", func(t *testing.T, line string) {
			i := strings.Index(line, " ||")
			if i < 0 {
				t.Fatalf("no kv payload in %q", line)
			}
			if _, err := kv.ParsePayload(line[i+1:], "||"); err != nil {
				t.Fatalf("kv.ParsePayload(%q): %v", line, err)
			}
		}},
		{"cef", func(t *testing.T, line string) {
			c, err := refparse.ParseCEF(line)
			if err != nil || c.DeviceProduct != "SLS" || len(c.Extension) < 5 {
				t.Fatalf("refparse.ParseCEF(%q) = %+v, %v", line, c, err)
			}
		}},
		{"leef", func(t *testing.T, line string) {
			l, err := refparse.ParseLEEF(line)
			if err != nil || l.Product != "SLS" || len(l.Attributes) < 5 {
				t.Fatalf("refparse.ParseLEEF(%q) = %+v, %v", line, l, err)
			}
		}},
		{"json", func(t *testing.T, line string) {
			if !strings.HasPrefix(line, `{"__time__":"`) || !strings.HasSuffix(line, "}") {
				t.Fatalf("not a bare JSON object: %q", line)
			}
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			env := emu.Env("127.0.0.1:1", "tcp", "SIEMSHIP_FORMAT="+tc.format)
			if tc.format == "json" {
				env = append(env, "SYSLOG_HEADER=none")
			}
			var stdout, stderr bytes.Buffer
			if code := preview(t.Context(), env, 7, "", &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			if len(lines) != 7 {
				t.Fatalf("%d lines, want 7:\n%s", len(lines), stdout.String())
			}
			for _, l := range lines {
				if !strings.Contains(l, "seq=") && !strings.Contains(l, `"seq":"`) {
					t.Errorf("no seq in %q", l)
				}
				tc.check(t, l)
			}
		})
	}
}

// TestPreviewFile reads JSON records from a file, and names the line of a bad one.
func TestPreviewFile(t *testing.T) {
	emu := harness.StartEmulator(t, 1, 0)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, []byte(`{"__topic__":"actiontrail_audit_event","__time__":1764000000.5,"eventName":"ConsoleSignin","n":3}`+"\n\n"+
		`{"msg":"second","msg":"dup"}`+"\n"), 0o600)
	env := emu.Env("127.0.0.1:1", "tcp", "SIEMSHIP_FORMAT=kv")
	var stdout, stderr bytes.Buffer
	if code := preview(t.Context(), env, 10, good, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := []string{
		"2025-11-24T16:00:00.500000Z", "||__topic__=actiontrail_audit_event||__source__=||eventName=ConsoleSignin||n=3",
		"||__topic__=||__source__=||msg=second||msg=dup",
	}
	for _, w := range want {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, stdout.String())
		}
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"a":"b"}`+"\n"+`{"a":{"nested":1}}`+"\n"), 0o600)
	stdout.Reset()
	stderr.Reset()
	if code := preview(t.Context(), env, 10, bad, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "bad.jsonl:2:") {
		t.Errorf("exit %d, stderr %q: want the first record printed and line 2 named", code, stderr.String())
	}
}
