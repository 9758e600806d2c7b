package telemetry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level, format string
		wantErr       string
	}{
		{"info", "json", ""},
		{"DEBUG", "console", ""},
		{"warn", "", ""},
		{"loud", "json", "log level"},
		{"info", "xml", "log format"},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := NewLogger(tt.level, tt.format, &buf)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l.Warn("hello")
			if !strings.Contains(buf.String(), "hello") {
				t.Fatalf("log output %q lacks the message", buf.String())
			}
		})
	}
}

func TestNewLoggerJSONLevelFilter(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger("warn", "json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("dropped")
	l.Error("kept")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1: %q", len(lines), buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if m["msg"] != "kept" || m["level"] != "error" {
		t.Fatalf("unexpected entry %v", m)
	}
}
