package realrecv

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// relpClient is a minimal RELP client (librelp doc/relp.md): enough to prove the imrelp listeners work.
type relpClient struct {
	c    net.Conn
	r    *bufio.Reader
	txnr int
}

func dialRELP(t *testing.T, addr string, cfg *tls.Config) *relpClient {
	t.Helper()
	c := dial(t, addr, cfg)
	t.Cleanup(func() { _ = c.Close() })
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatal(err)
	}
	rc := &relpClient{c: c, r: bufio.NewReader(c)}
	code, data, err := rc.command("open", "relp_version=0\nrelp_software=siemship-realrecv-test\ncommands=syslog")
	if err != nil || code != 200 {
		t.Fatalf("relp open: code %d, data %q, err %v", code, data, err)
	}
	return rc
}

// command sends one command and reads its response, returning the status code and the text after it.
func (rc *relpClient) command(cmd, data string) (int, string, error) {
	rc.txnr++
	frame := fmt.Sprintf("%d %s %d", rc.txnr, cmd, len(data))
	if len(data) > 0 {
		frame += " " + data
	}
	if _, err := io.WriteString(rc.c, frame+"\n"); err != nil {
		return 0, "", fmt.Errorf("write %s: %w", cmd, err)
	}
	for {
		txnr, command, body, err := rc.readFrame()
		if err != nil {
			return 0, "", err
		}
		if command != "rsp" || txnr != rc.txnr {
			continue // e.g. "0 serverclose 0"
		}
		if body == "" {
			return 0, "", nil // response to close carries no status
		}
		code, rest, _ := strings.Cut(body, " ")
		n, err := strconv.Atoi(code)
		if err != nil {
			return 0, "", fmt.Errorf("bad status in %q: %w", body, err)
		}
		return n, rest, nil
	}
}

func (rc *relpClient) readFrame() (int, string, string, error) {
	tok := func() (string, byte, error) {
		var b strings.Builder
		for {
			c, err := rc.r.ReadByte()
			if err != nil {
				return "", 0, fmt.Errorf("read relp frame: %w", err)
			}
			if c == ' ' || c == '\n' {
				return b.String(), c, nil
			}
			b.WriteByte(c)
		}
	}
	txnrS, _, err := tok()
	if err != nil {
		return 0, "", "", err
	}
	cmd, _, err := tok()
	if err != nil {
		return 0, "", "", err
	}
	lenS, sep, err := tok()
	if err != nil {
		return 0, "", "", err
	}
	txnr, err1 := strconv.Atoi(txnrS)
	n, err2 := strconv.Atoi(lenS)
	if err1 != nil || err2 != nil || n < 0 || n > MaxMessageSize {
		return 0, "", "", fmt.Errorf("bad relp header %q %q %q", txnrS, cmd, lenS)
	}
	if sep == '\n' {
		return txnr, cmd, "", nil
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(rc.r, buf); err != nil {
		return 0, "", "", fmt.Errorf("read relp data: %w", err)
	}
	if buf[n] != '\n' {
		return 0, "", "", fmt.Errorf("relp trailer %q, want LF", buf[n])
	}
	return txnr, cmd, string(buf[:n]), nil
}

func TestRsyslogRELP(t *testing.T) {
	t.Parallel()
	r := StartRsyslog(t, RsyslogOptions{RELP: true, RELPTLS: true})
	tests := []struct {
		listener string
		cfg      *tls.Config
	}{
		{ListenerRELP, nil},
		{ListenerRELPTLS, r.Certs().ClientTLSConfig(true)},
	}
	for i, tt := range tests {
		t.Run(tt.listener, func(t *testing.T) {
			rc := dialRELP(t, r.Addr(tt.listener), tt.cfg)
			msg := "<14>1 2024-01-02T03:04:05Z h app - - - over " + tt.listener
			if code, data, err := rc.command("syslog", msg); err != nil || code != 200 {
				t.Fatalf("relp syslog: code %d, data %q, err %v", code, data, err)
			}
			if _, _, err := rc.command("close", ""); err != nil {
				t.Fatalf("relp close: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			msgs, err := r.WaitForCount(ctx, i+1)
			if err != nil {
				t.Fatal(err)
			}
			last := msgs[len(msgs)-1]
			eq(t, "msg", last.Msg, "over "+tt.listener)
			eq(t, "input", last.Input, tt.listener)
		})
	}
	t.Run("relptls without client certificate", func(t *testing.T) {
		d := tls.Dialer{Config: r.Certs().ClientTLSConfig(false)}
		ctx, cancel := context.WithTimeout(t.Context(), ioTimeout)
		defer cancel()
		c, err := d.DialContext(ctx, "tcp", r.Addr(ListenerRELPTLS))
		if err != nil {
			t.Logf("handshake refused: %v", err)
			return
		}
		defer c.Close()
		rc := &relpClient{c: c, r: bufio.NewReader(c)}
		if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
			t.Fatal(err)
		}
		if code, _, err := rc.command("open", "relp_version=0\ncommands=syslog"); err == nil && code == 200 {
			t.Fatal("relp over TLS accepted a session without a client certificate")
		} else {
			t.Logf("refused: code %d, err %v", code, err)
		}
	})
}
