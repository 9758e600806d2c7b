package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/harness"
	"github.com/siemship/siemship/internal/syslogrecv"
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
		{"all good", nil, true, 0, []string{"[ok  ] SLS", "shards: 0 (readwrite), 1 (readwrite)", "does not exist yet", "[ok  ] syslog receiver", "test message sent", "result: OK"}},
		{"wrong secret", []string{"SLS_AK_KEY=wrong"}, false, 1, []string{"[FAIL] SLS", "SignatureNotMatch", "check SLS_AK_ID/SLS_AK_KEY", "result: FAILED"}},
		{"unknown logstore", []string{"SLS_LOGSTORE=nope"}, false, 1, []string{"LogStoreNotExist"}},
		{"receiver down", []string{"SYSLOG_PORT=1"}, false, 1, []string{"[FAIL] syslog receiver"}},
		{"bad config", []string{"SYSLOG_PROTOCOL=tpc"}, false, 1, []string{"[FAIL] configuration", "SYSLOG_PROTOCOL", "result: FAILED"}},
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
