package testport

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestPickOutsideEphemeralRange(t *testing.T) {
	t.Parallel()
	lo, hi := ephemeralRange()
	for range 100 {
		p, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		if p < lowest || p > 65535 || (p >= lo && p <= hi && !(lo <= lowest && hi >= 65535)) {
			t.Fatalf("Pick = %d, want [%d, 65535] outside the ephemeral range %d-%d", p, lowest, lo, hi)
		}
	}
}

// Pick hands out a port once: to this process (a second receiver must not get the port of one that is down for
// a restart) and to other processes of the machine (the lock file of a port taken elsewhere is locked).
func TestPickClaimsPorts(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for range 100 {
		p, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		if seen[p] {
			t.Fatalf("Pick returned %d twice", p)
		}
		seen[p] = true
	}
	// Another process's claim: a lock on the port's file through another open file description.
	port := 0
	for p := 20000; p < 30000 && port == 0; p++ {
		claims.Lock()
		mine := claims.taken[p]
		claims.Unlock()
		if !mine && lockable(p) {
			port = p
		}
	}
	if port == 0 {
		t.Fatal("no port without a lock between 20000 and 30000")
	}
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "siemship-testport", strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if claim(port) {
		t.Errorf("claim(%d) succeeded while another open file holds its lock", port)
	}
}

// lockable reports whether nobody holds the lock of port now (without taking it).
func lockable(port int) bool {
	if err := os.MkdirAll(filepath.Join(os.TempDir(), "siemship-testport"), 0o777); err != nil {
		return false
	}
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "siemship-testport", strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return false
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

func TestParseTable(t *testing.T) {
	t.Parallel()
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0200E70A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
   3: 0100007F:2328 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0
`
	lo := append(hexAddrs(net.IPv4(127, 0, 0, 1).To4()), "00000000")
	for _, c := range []struct {
		port int
		want []uint64
	}{
		{8080, []uint64{111}},
		{22, []uint64{333}}, // 0.0.0.0
		{80, nil},           // another address
		{9000, nil},         // established, not listening
	} {
		got := listenerInodes([]byte(table), lo, c.port)
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("port %d: inodes %v, want %v", c.port, got, c.want)
		}
	}
	if n := len(parseTable([]byte(table))); n != 4 {
		t.Errorf("parseTable: %d entries, want 4", n)
	}
}

// Check tells the process's own listener from one of another process, and no listener from both.
func TestCheck(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := Check(os.Getpid(), "127.0.0.1", port); err != nil {
		t.Errorf("Check(own listener) = %v, want nil", err)
	}
	// Another process, which has no socket at all: the listener is foreign to it.
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	err = Check(other.Process.Pid, "127.0.0.1", port)
	var stolen *StolenError
	if !errors.As(err, &stolen) {
		t.Fatalf("Check(other process) = %v, want a *StolenError", err)
	}
	want := "pid " + strconv.Itoa(os.Getpid()) + " "
	if len(stolen.Holders) != 1 || len(stolen.Holders[0]) < len(want) || stolen.Holders[0][:len(want)] != want {
		t.Errorf("holders %q, want this process (%s...)", stolen.Holders, want)
	}
	_ = ln.Close()
	if err := Check(os.Getpid(), "127.0.0.1", port); !errors.Is(err, ErrNotListening) {
		t.Errorf("Check(closed) = %v, want ErrNotListening", err)
	}
}

// A reservation refuses connections and cannot be bound by anyone else, a listener with SO_REUSEADDR (as Go's)
// included; once released, the port can be listened on.
func TestReservation(t *testing.T) {
	t.Parallel()
	r, err := Reserve()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if _, err := net.DialTimeout("tcp", r.Addr(), time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial a reserved port: %v, want connection refused", err)
	}
	if ln, err := net.Listen("tcp", r.Addr()); err == nil {
		ln.Close()
		t.Fatal("listening on a reserved port succeeded")
	}
	r.Release()
	ln, err := net.Listen("tcp", r.Addr())
	if err != nil {
		t.Fatalf("listen after Release: %v", err)
	}
	ln.Close()
}

func TestListenRetriesOnAddressInUse(t *testing.T) {
	t.Parallel()
	calls := 0
	addr, err := Listen(func(addr string) error {
		calls++
		if calls < 3 {
			return &net.OpError{Op: "listen", Err: &os.SyscallError{Syscall: "bind", Err: syscall.EADDRINUSE}}
		}
		return nil
	})
	if err != nil || calls != 3 || addr == "" {
		t.Errorf("Listen = %q, %v after %d calls; want success on the third", addr, err, calls)
	}
	boom := errors.New("boom")
	if _, err := Listen(func(string) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Listen = %v, want the listener's own error", err)
	}
}
