package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/goleak"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func TestEmulatorCommand(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := runCommand(ctx, "emulator", []string{"--listen", "127.0.0.1:0", "--project", "p01", "--logstore", "l01", "--shards", "3",
			"--access-key-id", "ID", "--access-key-secret", "S", "--generate", "50", "--store", "p02/l02:1", "--log-level", "warn"}, pw, &stderr)
		pw.Close()
		done <- code
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output; stderr: %s", stderr.String())
	}
	line := lines.Text()
	u, ok := strings.CutPrefix(line, "sls emulator listening on http://127.0.0.1:")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	base, _ := url.Parse("http://127.0.0.1:" + u)

	c := sls.CreateNormalInterface("sls.emu.invalid:"+base.Port(), "ID", "S", "")
	hc := slsemu.HTTPClient(base.String())
	defer hc.CloseIdleConnections()
	c.SetHTTPClient(hc)
	shards, err := c.ListShards("p01", "l01")
	if err != nil || len(shards) != 3 {
		t.Fatalf("list shards: %v %v", shards, err)
	}
	if shards, err := c.ListShards("p02", "l02"); err != nil || len(shards) != 1 {
		t.Fatalf("list shards of --store: %v %v", shards, err)
	}
	total := 0
	for _, sh := range shards {
		cur, _ := c.GetCursor("p01", "l01", sh.ShardID, "begin")
		lgl, _, err := c.PullLogs("p01", "l01", sh.ShardID, cur, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range lgl.LogGroups {
			total += len(g.Logs)
		}
	}
	if total != 50 {
		t.Errorf("%d generated records, want 50", total)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d, stderr: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the emulator did not stop after cancel")
	}
	if lines.Scan() {
		t.Errorf("more than one line on stdout: %q", lines.Text())
	}
}

func TestEmulatorBadFlags(t *testing.T) {
	key := []string{"--access-key-id", "ID", "--access-key-secret", "S"}
	tests := []struct {
		args  []string
		want  string
		usage bool // a flag the parser refuses: the error, then the usage
	}{
		{append([]string{"--shards", "0"}, key...), "siemship emulator: --shards must be >= 1\n", false},
		{append([]string{"--rate", "-1"}, key...), "siemship emulator: --rate must be >= 0\n", false},
		{append([]string{"--retention", "soon"}, key...), "siemship emulator: --retention: ", false},
		{append([]string{"--log-level", "loud"}, key...), "siemship emulator: log level ", false},
		{append([]string{"--store", "nope"}, key...), "siemship emulator: invalid value ", true},
		{append([]string{"--project", "bad.name"}, key...), "siemship emulator: project name ", false},
		{append([]string{"--project", "a"}, key...), "siemship emulator: project name \"a\": must be 3 to 63 characters long, not 1\n", false},
		{append([]string{"--logstore", "Audit"}, key...), "siemship emulator: logstore name \"Audit\": may contain only lower-case letters, digits, hyphens and underscores, not \"A\"\n", false},
		{[]string{"--bogus"}, "siemship emulator: flag provided but not defined: -bogus\n", true},
		{[]string{}, "siemship emulator: --access-key-id and --access-key-secret are required (or --allow-anonymous)\n", false},
		{append([]string{"extra"}, key...), "siemship emulator: unexpected argument \"extra\"\n", true},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := runCommand(t.Context(), "emulator", tt.args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", tt.args, code)
		}
		first, rest, _ := strings.Cut(stderr.String(), "\n")
		if !strings.HasPrefix(first+"\n", tt.want) || stdout.Len() != 0 || tt.usage != strings.HasPrefix(rest, "usage: siemship emulator") ||
			!tt.usage && rest != "" {
			t.Errorf("%v: stderr %q stdout %q, want a line starting %q (and the usage: %v)", tt.args, stderr.String(), stdout.String(), tt.want, tt.usage)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runCommand(t.Context(), "emulator", []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "--generate") && !strings.Contains(stdout.String(), "-generate") {
		t.Errorf("-h: exit %d, stdout %q", code, stdout.String())
	}
}

// TestEmulatorListenWarning: a listen address that is not loopback exposes the unauthenticated /_emulator/ API to
// the network, and the emulator says so on stderr; a loopback address gets no warning.
func TestEmulatorListenWarning(t *testing.T) {
	for _, tt := range []struct {
		listen string
		warn   bool
	}{
		{"127.0.0.1:0", false},
		{"localhost:0", false},
		{"[::1]:0", false},
		{":0", true},
		{"0.0.0.0:0", true},
	} {
		t.Run(tt.listen, func(t *testing.T) {
			if tt.listen == "[::1]:0" && !hasIPv6Loopback() {
				t.Skip("no IPv6 loopback")
			}
			ctx, cancel := context.WithCancel(t.Context())
			pr, pw := io.Pipe()
			var stderr bytes.Buffer
			done := make(chan int, 1)
			go func() {
				code := runCommand(ctx, "emulator", []string{"--listen", tt.listen, "--allow-anonymous", "--log-level", "error"}, pw, &stderr)
				pw.Close()
				done <- code
			}()
			if !bufio.NewScanner(pr).Scan() { // listening
				t.Fatalf("no output; stderr: %s", stderr.String())
			}
			cancel()
			go io.Copy(io.Discard, pr) //nolint:errcheck // drain until the command closes the pipe
			if code := <-done; code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr.String())
			}
			got := strings.Contains(stderr.String(), "WARNING") && strings.Contains(stderr.String(), "/_emulator/") &&
				strings.Contains(stderr.String(), "--listen 127.0.0.1:")
			if got != tt.warn {
				t.Errorf("warning %v, want %v; stderr:\n%s", got, tt.warn, stderr.String())
			}
		})
	}
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
