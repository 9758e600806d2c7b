package syslog

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// relpServer is a small RELP receiver for tests: it answers open with librelp's offers and every syslog command
// with what answer returns for it.
type relpServer struct {
	t  testing.TB
	ln net.Listener
	// answer decides the fate of the n-th syslog command received overall (counting from 0, resends included):
	// "" is 200 OK, "500" a refusal, "serverclose" the hint and a close, "drop" a close without an answer.
	answer func(n int, msg string) string

	mu   sync.Mutex
	msgs []string // accepted (answered 200), in order of acceptance over all sessions
	// sessions holds the accepted messages per session, sessions in the order they were accepted: a failed
	// session's goroutine may still answer frames sent before the client gave up while the next session runs.
	sessions [][]string
	seen     int
	txnrs    []int // transaction numbers of the syslog commands, per arrival
	wg       sync.WaitGroup
}

func startRELPServer(t testing.TB, cfg *tls.Config, answer func(n int, msg string) string) *relpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	s := &relpServer{t: t, ln: ln, answer: answer}
	if s.answer == nil {
		s.answer = func(int, string) string { return "" }
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { _ = ln.Close(); s.wg.Wait() })
	return s
}

func (s *relpServer) Addr() string { return s.ln.Addr().String() }

func (s *relpServer) Messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// Sessions returns the messages accepted on each session, in the order the sessions were accepted.
func (s *relpServer) Sessions() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]string, len(s.sessions))
	for i, m := range s.sessions {
		out[i] = append([]string(nil), m...)
	}
	return out
}

func (s *relpServer) serve() {
	defer s.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		id := len(s.sessions)
		s.sessions = append(s.sessions, nil)
		s.mu.Unlock()
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			s.session(id, c)
		}()
	}
}

func (s *relpServer) session(id int, c net.Conn) {
	var buf []byte
	var chunk [64 << 10]byte
	var out []byte
	for {
		f, n, err := parseRELPFrame(buf)
		if err != nil {
			s.t.Errorf("server: %v", err)
			return
		}
		if n == 0 {
			k, err := c.Read(chunk[:])
			if err != nil {
				return
			}
			buf = append(buf, chunk[:k]...)
			continue
		}
		data := string(f.data)
		buf = buf[n:]
		out = out[:0]
		switch f.command {
		case "open":
			if !strings.Contains(data, "relp_version=0") || !strings.Contains(data, "commands=syslog") {
				s.t.Errorf("open offers %q", data)
			}
			out = appendRELPFrame(out, f.txnr, "rsp", []byte("200 OK\nrelp_version=0\nrelp_software=test\ncommands=syslog"))
		case "syslog":
			s.mu.Lock()
			k := s.seen
			s.seen++
			s.txnrs = append(s.txnrs, f.txnr)
			s.mu.Unlock()
			switch a := s.answer(k, data); a {
			case "":
				s.mu.Lock()
				s.msgs = append(s.msgs, data)
				s.sessions[id] = append(s.sessions[id], data)
				s.mu.Unlock()
				out = appendRELPFrame(out, f.txnr, "rsp", []byte("200 OK"))
			case "500":
				out = appendRELPFrame(out, f.txnr, "rsp", []byte("500 queue full\nmore"))
			case "serverclose":
				_, _ = c.Write(appendRELPFrame(nil, 0, "serverclose", nil))
				return
			case "drop":
				return
			default:
				panic(a)
			}
		case "close":
			_, _ = c.Write(appendRELPFrame(appendRELPFrame(nil, f.txnr, "rsp", nil), 0, "serverclose", nil))
			return
		default:
			s.t.Errorf("server: unexpected command %q", f.command)
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

func TestRELPSend(t *testing.T) {
	b := certs(t)
	for _, tc := range []struct {
		name   string
		proto  Protocol
		window int
		server *tls.Config
		client *tls.Config
	}{
		{"relp window 1", ProtocolRELP, 1, nil, nil},
		{"relp window 7", ProtocolRELP, 7, nil, nil},
		{"relp default window", ProtocolRELP, 0, nil, nil},
		{"relp-tls mutual", ProtocolRELPTLS, 0, b.ServerConfig(true), b.ClientConfig(true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startRELPServer(t, tc.server, nil)
			c := client(t, Options{Protocol: tc.proto, Addrs: []string{srv.Addr()}, TLS: tc.client, RELPWindow: tc.window})
			var want []string
			for i := range 3 {
				bt, msgs := batch("relp", i*300, 300, 300, bare)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
				want = append(want, msgs...)
			}
			if got := srv.Messages(); !equalStrings(got, want) {
				t.Fatalf("server accepted %d messages, want the %d sent, in order", len(got), len(want))
			}
			srv.mu.Lock()
			for i, txnr := range srv.txnrs {
				if txnr != i+2 { // 1 is open
					t.Fatalf("syslog command %d has transaction number %d, want %d", i, txnr, i+2)
				}
			}
			srv.mu.Unlock()
			if st := c.Stats(); st.Batches != 3 || st.Messages != 900 || st.Connects != 1 || st.Discarded != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// Every failure of a frame fails the batch; the resent batch completes, and nothing acknowledged is missing.
func TestRELPFailuresResend(t *testing.T) {
	for _, fate := range []string{"500", "serverclose", "drop"} {
		t.Run(fate, func(t *testing.T) {
			srv := startRELPServer(t, nil, func(n int, _ string) string {
				if n == 150 {
					return fate
				}
				return ""
			})
			c := client(t, Options{Protocol: ProtocolRELP, Addrs: []string{srv.Addr()}, RELPWindow: 16})
			bt, want := batch("f", 0, 200, 200, bare)
			err := c.Send(t.Context(), bt)
			if err == nil {
				t.Fatal("Send = nil, want an error for a batch with an unconfirmed frame")
			}
			t.Logf("first attempt: %v", err)
			var refused *RELPRefusedError
			if fate == "500" && (!errors.As(err, &refused) || refused.Code != 500 || refused.Text != "queue full") {
				t.Errorf("error %v, want a RELPRefusedError 500 \"queue full\"", err)
			}
			if fate == "serverclose" && !errors.Is(err, errServerClose) {
				t.Errorf("error %v, want serverclose", err)
			}
			if IsPermanent(err) {
				t.Errorf("error %v is permanent", err)
			}
			if err := c.Send(t.Context(), bt); err != nil {
				t.Fatalf("resend: %v", err)
			}
			got := srv.Messages()
			// At least once: the resend repeats the frames acknowledged before the failure.
			seen := map[string]bool{}
			for _, m := range got {
				seen[m] = true
			}
			for _, m := range want {
				if !seen[m] {
					t.Fatalf("message %q never acknowledged", m)
				}
			}
			// The resend runs on a session of its own; the first session's goroutine may still be answering frames
			// sent before the failure, so their order relative to the resend across sessions is not defined.
			if ss := srv.Sessions(); len(ss) != 2 || !equalStrings(ss[1], want) {
				t.Errorf("the resent batch did not arrive whole and in order on a second session (%d sessions)", len(ss))
			}
			if st := c.Stats(); st.Connects != 2 || st.Discarded != 1 || st.Batches != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A server that announces serverclose between batches: the probe sees it and the next batch goes on a new session.
func TestRELPServerCloseBetweenBatches(t *testing.T) {
	srv := startRELPServer(t, nil, nil)
	c := client(t, Options{Protocol: ProtocolRELP, Addrs: []string{srv.Addr()}})
	bt, _ := batch("s", 0, 10, 100, bare)
	if err := c.Send(t.Context(), bt); err != nil {
		t.Fatal(err)
	}
	// Close the idle session from the client side of the test: the server answers close with rsp + serverclose.
	c.mu.Lock()
	cn := c.dests[0].all[0].cn
	c.mu.Unlock()
	if _, err := cn.nc.Write(appendRELPFrame(nil, cn.relp.next, "close", nil)); err != nil {
		t.Fatal(err)
	}
	cn.relp.next = nextTxnr(cn.relp.next)
	time.Sleep(50 * time.Millisecond)
	if err := c.Send(t.Context(), bt); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.PeerClosed != 1 || st.Connects != 2 {
		t.Errorf("stats %+v, want the probe to find the session closed", st)
	}
}

func TestRELPOpenRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, answer := range []string{"500 not now", "200 OK\nrelp_version=0\ncommands=other"} {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var b [512]byte
			_, _ = c.Read(b[:])
			_, _ = c.Write(appendRELPFrame(nil, 1, "rsp", []byte(answer)))
			_ = c.Close()
		}
	}()
	c := client(t, Options{Protocol: ProtocolRELP, Addrs: []string{ln.Addr().String()}})
	err = c.Check(t.Context())
	var refused *RELPRefusedError
	if !errors.As(err, &refused) || refused.Code != 500 || refused.Command != "open" {
		t.Errorf("Check = %v, want the 500 refusal of open", err)
	}
	err = c.Check(t.Context())
	if !IsPermanent(err) || !strings.Contains(err.Error(), "does not offer the syslog command") {
		t.Errorf("Check = %v, want a permanent error about the missing syslog command", err)
	}
	<-done
}

func TestNextTxnr(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{1, 2}, {998_999_999, 999_000_000}, {999_999_998, 999_999_999}, {999_999_999, 1}} {
		if got := nextTxnr(tc.in); got != tc.want {
			t.Errorf("nextTxnr(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseRELPFrame(t *testing.T) {
	for _, tc := range []struct {
		in      string
		n       int
		txnr    int
		cmd     string
		data    string
		wantErr bool
	}{
		{in: "2 rsp 6 200 OK\n", n: 15, txnr: 2, cmd: "rsp", data: "200 OK"},
		{in: "9 rsp 0\n", n: 8, txnr: 9, cmd: "rsp"},
		{in: "0 serverclose 0\nrest", n: 16, txnr: 0, cmd: "serverclose"},
		{in: "1 rsp 12 200 OK\na=b\nc\n", n: 22, txnr: 1, cmd: "rsp", data: "200 OK\na=b\nc"},
		{in: "2 rsp 6 200 O", n: 0},
		{in: "2 rsp", n: 0},
		{in: "", n: 0},
		{in: "x rsp 0\n", wantErr: true},
		{in: "1 rsp 6 200 OKK", wantErr: true},
		{in: "1234567890 rsp 0\n", wantErr: true},
		{in: "1 r2p 0\n", wantErr: true},
		{in: "1 rsp 99999999\n", wantErr: true},
		{in: "1 rsp 0 \n", n: 9, txnr: 1, cmd: "rsp"}, // lenient: an empty DATA after the SP
		{in: "1 rsp 3 a\n", n: 0},
	} {
		f, n, err := parseRELPFrame([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && (n != tc.n || n > 0 && (f.txnr != tc.txnr || f.command != tc.cmd || string(f.data) != tc.data)) {
			t.Errorf("%q: %d %+v, want %d %d %q %q", tc.in, n, f, tc.n, tc.txnr, tc.cmd, tc.data)
		}
	}
}

func FuzzParseRELPFrame(f *testing.F) {
	for _, s := range []string{"2 rsp 6 200 OK\n", "0 serverclose 0\n", "1 rsp 12 200 OK\na=b\nc\n", "1 rsp 0 \n", "12 syslog 3 abc\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		fr, n, err := parseRELPFrame(p)
		if err != nil || n == 0 {
			return
		}
		if n > len(p) {
			t.Fatalf("consumed %d of %d bytes", n, len(p))
		}
		// What parses re-encodes to the same bytes, except for leading zeros in numbers.
		again := appendRELPFrame(nil, fr.txnr, fr.command, fr.data)
		fr2, n2, err := parseRELPFrame(again)
		if err != nil || n2 != len(again) || fr2.txnr != fr.txnr || fr2.command != fr.command || !bytes.Equal(fr2.data, fr.data) {
			t.Fatalf("round trip of %q: %q → %+v %d %v", p[:n], again, fr2, n2, err)
		}
	})
}

func BenchmarkRELPSend(b *testing.B) {
	srv := startRELPServer(b, nil, nil)
	c, err := New(Options{Protocol: ProtocolRELP, Addrs: []string{srv.Addr()}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	bt, _ := batch("b", 0, 1000, 300, bare)
	b.ReportAllocs()
	b.SetBytes(int64(len(bt.Buf)))
	b.ResetTimer()
	for b.Loop() {
		if err := c.Send(b.Context(), bt); err != nil {
			b.Fatal(err)
		}
		srv.mu.Lock()
		srv.msgs = srv.msgs[:0]
		srv.txnrs = srv.txnrs[:0]
		srv.mu.Unlock()
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "msgs/s")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// resetConn is a connection whose writes fail as if the peer had reset it, after what the peer sent before.
type resetConn struct{ net.Conn }

func (resetConn) Write([]byte) (int, error) { return 0, syscall.ECONNRESET }

// A write that fails because the server closed the session reports the reason the server gave before closing, if
// it gave one: serverclose or a refusal, read after the answers to the frames it had accepted.
func TestRELPWriteFailureLastWord(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server []byte // what the server sent before the write failed
		close  bool   // and whether it closed the connection
		want   error  // besides the reset
		acked  string
	}{
		{"serverclose after an answer", appendRELPFrame(appendRELPFrame(nil, 1, "rsp", []byte("200 OK")), 0, "serverclose", nil), true, errServerClose, "after 1 of 3"},
		{"serverclose", appendRELPFrame(nil, 0, "serverclose", nil), false, errServerClose, "after 0 of 3"},
		{"refusal", appendRELPFrame(nil, 1, "rsp", []byte("500 queue full")), true, &RELPRefusedError{}, "frame 0 of 3"},
		{"answers only, then a close", appendRELPFrame(nil, 1, "rsp", []byte("200 OK")), true, nil, ""},
		{"nothing, connection kept open", nil, false, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			srv, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if _, err := srv.Write(tc.server); err != nil {
				t.Fatal(err)
			}
			if tc.close {
				_ = srv.Close()
			}
			bt, _ := batch("w", 0, 3, 100, bare)
			s := &relpSession{next: 1}
			start := time.Now()
			err = s.send(t.Context(), resetConn{nc}, bt, 16, time.Minute)
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("error %v, want the write's reset in it", err)
			}
			if tc.want == nil {
				if errors.Is(err, errServerClose) || errors.As(err, new(*RELPRefusedError)) {
					t.Fatalf("error %v, want only the write's", err)
				}
				if waited := time.Since(start); waited > relpLastWordWait+time.Second {
					t.Errorf("waited %v for the server's last word, want at most %v", waited, relpLastWordWait)
				}
				return
			}
			if refused := new(*RELPRefusedError); errors.As(tc.want, refused) {
				if !errors.As(err, refused) || (*refused).Code != 500 {
					t.Fatalf("error %v, want the refusal 500", err)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.acked) {
				t.Errorf("error %q does not say %q", err, tc.acked)
			}
		})
	}
}
