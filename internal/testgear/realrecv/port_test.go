package realrecv

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/testport"
)

// thief takes a receiver's port between the pick and the receiver's bind, as another process on a shared machine
// can, and counts the connections it is handed.
type thief struct {
	port     int
	ln       net.Listener // nil: the port is only bound (a socket that does not listen)
	fd       int
	accepted atomic.Int32
	wg       sync.WaitGroup
}

// steal occupies 127.0.0.1:port: with a listener (listen) or with a bound socket that does not listen (the port
// is taken, yet nothing answers on it).
func steal(t *testing.T, port int, listen bool) *thief {
	t.Helper()
	th := &thief{port: port, fd: -1}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if listen {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("steal %s: %v", addr, err)
		}
		th.ln = ln
		th.wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				th.accepted.Add(1)
				_ = c.Close()
			}
		})
		t.Cleanup(func() { _ = ln.Close(); th.wg.Wait() })
		return th
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		_ = syscall.Close(fd)
		t.Fatalf("steal %s: %v", addr, err)
	}
	th.fd = fd
	t.Cleanup(func() { _ = syscall.Close(fd) })
	return th
}

// stealOnFirstStart makes the first start of the next receiver find listener's port taken. beforeStart is package
// state: the tests that set it do not run in parallel (and parallel tests start only after them).
func stealOnFirstStart(t *testing.T, listener string, listen bool) (th **thief, starts *int) {
	t.Helper()
	var stolen *thief
	n := 0
	beforeStart = func(ports map[string]int) {
		n++
		if n == 1 {
			stolen = steal(t, ports[listener], listen)
		}
	}
	t.Cleanup(func() { beforeStart = nil })
	return &stolen, &n
}

// TestRsyslogStolenPort: a port taken between the pick and rsyslog's bind is noticed (rsyslog runs on without
// that listener, so a listener of another process there would otherwise pass for it) and rsyslog is started
// again on other ports, where it, and only it, listens and receives.
func TestRsyslogStolenPort(t *testing.T) {
	for _, c := range []struct {
		name     string
		listener string
		listen   bool
	}{
		{"imrelp port listened on", ListenerRELP, true},
		{"imrelp port bound", ListenerRELP, false},
		{"imtcp port listened on", ListenerTCP, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			th, starts := stealOnFirstStart(t, c.listener, c.listen)
			start := time.Now()
			r := StartRsyslog(t, RsyslogOptions{RELP: true})
			t.Logf("started in %s after %d starts", time.Since(start).Round(time.Millisecond), *starts)
			stolen := (*th).port
			_, p, _ := net.SplitHostPort(r.Addr(c.listener))
			if p == strconv.Itoa(stolen) {
				t.Fatalf("rsyslog's %s listener is on the stolen port %d", c.listener, stolen)
			}
			if *starts < 2 {
				t.Errorf("%d starts, want a second one on other ports", *starts)
			}
			port, _ := strconv.Atoi(p)
			if err := testport.Check(r.PID(), "127.0.0.1", port); err != nil {
				t.Errorf("port %d: %v", port, err)
			}
			msg := "<14>1 2024-01-02T03:04:05Z h app - - - after a stolen " + c.listener + " port"
			if c.listener == ListenerRELP {
				rc := dialRELP(t, r.Addr(ListenerRELP), nil)
				if code, data, err := rc.command("syslog", msg); err != nil || code != 200 {
					t.Fatalf("relp syslog: code %d, data %q, err %v", code, data, err)
				}
				_, _, _ = rc.command("close", "")
			} else {
				send(t, r.Addr(ListenerTCP), nil, octet, []byte(msg))
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			msgs, err := r.WaitForCount(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "msg", msgs[0].Msg, "after a stolen "+c.listener+" port")
			if n := (*th).accepted.Load(); n != 0 {
				t.Errorf("the thief's listener was handed %d connections", n)
			}
		})
	}
}

// TestSyslogNGStolenPort: syslog-ng exits when a source cannot bind; the start is repeated on other ports.
func TestSyslogNGStolenPort(t *testing.T) {
	th, starts := stealOnFirstStart(t, ListenerLF, true)
	s := StartSyslogNG(t, SyslogNGOptions{})
	stolen := (*th).port
	if s.Addr(ListenerLF) == net.JoinHostPort("127.0.0.1", strconv.Itoa(stolen)) {
		t.Fatalf("syslog-ng's LF source is on the stolen port %d", stolen)
	}
	if *starts < 2 {
		t.Errorf("%d starts, want a second one on other ports", *starts)
	}
	send(t, s.Addr(ListenerLF), nil, lf, []byte("<14>1 2024-01-02T03:04:05Z h app - - - after a stolen port"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := s.WaitForCount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := (*th).accepted.Load(); n != 0 {
		t.Errorf("the thief's listener was handed %d connections", n)
	}
}

// A port taken while the receiver is down is reported by the restart, which cannot move to other ports (a sender
// holds the address), instead of passing the thief's listener off as the receiver.
func TestRsyslogRestartOnStolenPort(t *testing.T) {
	for _, listen := range []bool{true, false} {
		t.Run("listen="+strconv.FormatBool(listen), func(t *testing.T) {
			r := StartRsyslog(t, RsyslogOptions{RELP: true})
			r.Stop()
			_, p, _ := net.SplitHostPort(r.Addr(ListenerRELP))
			port, _ := strconv.Atoi(p)
			steal(t, port, listen)
			start := time.Now()
			err := r.run()
			if !errors.Is(err, errPortTaken) {
				t.Fatalf("restart with the RELP port taken: %v, want errPortTaken", err)
			}
			t.Logf("noticed in %s: %v", time.Since(start).Round(time.Millisecond), err)
		})
	}
}

// A receiver that is not ready in time (here: stopped with SIGSTOP, as a stalled process would be) is killed and
// started again, on new ports at the first start and on the same ports at a restart; the error names the stall.
func TestStalledStart(t *testing.T) {
	receivers := []struct {
		name  string
		start func(t *testing.T) Receiver
	}{
		{ReceiverRsyslog, func(t *testing.T) Receiver { return StartRsyslog(t, RsyslogOptions{}) }},
		{ReceiverSyslogNG, func(t *testing.T) Receiver { return StartSyslogNG(t, SyslogNGOptions{}) }},
	}
	for _, c := range receivers {
		t.Run(c.name, func(t *testing.T) {
			old := readyTimeout
			readyTimeout = 500 * time.Millisecond
			t.Cleanup(func() { readyTimeout, afterStart = old, nil })
			var stopped []int
			stallFirst := func() {
				afterStart = func(pid int) {
					if len(stopped) == 0 {
						stopped = append(stopped, pid)
						if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
							t.Errorf("SIGSTOP: %v", err)
						}
					}
				}
			}
			stallFirst()
			r := c.start(t)
			if len(stopped) != 1 {
				t.Fatalf("%d stalled starts, want 1", len(stopped))
			}
			addr := r.Addr(ListenerTCP)
			stopped = nil
			stallFirst()
			r.Restart(t)
			if len(stopped) != 1 {
				t.Fatalf("%d stalled restarts, want 1", len(stopped))
			}
			if got := r.Addr(ListenerTCP); got != addr {
				t.Errorf("restart moved the listener from %s to %s", addr, got)
			}
			send(t, addr, nil, octet, []byte("<14>1 2024-01-02T03:04:05Z h app - - - after a stalled start"))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			msgs, err := r.WaitForCount(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "msg", msgs[0].Msg, "after a stalled start")
		})
	}
}

func TestNotReadyError(t *testing.T) {
	r := StartRsyslog(t, RsyslogOptions{})
	old := readyTimeout
	readyTimeout = 0
	t.Cleanup(func() { readyTimeout = old })
	err := r.waitReady(func() (bool, error) { return false, nil })
	if !errors.Is(err, errNotReady) || !retryable(err) {
		t.Fatalf("err %v, want errNotReady", err)
	}
	for _, want := range []string{"rsyslog not ready after 0s", "state ", "CPU ", "load "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
