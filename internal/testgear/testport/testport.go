// Package testport hands out TCP ports to test listeners that cannot bind port 0 and report what they got (child
// processes such as rsyslog's imrelp and every syslog-ng source) or that must listen again on the same port later (a
// receiver that goes down and comes back), and tells whose listener holds a port.
//
// The usual trick, listening on 127.0.0.1:0, reading the port and closing, hands the port back to the kernel, which
// gives it to the next process that binds port 0 or connects anywhere: on a machine shared with other test runs, a
// receiver then fails to bind, or binds and receives another test's traffic. Ports from Pick lie outside the
// kernel's ephemeral range, which neither bind(0) nor connect() ever hands out, so only a process that asks for that
// very number can take one; a lock file per port (in $TMPDIR/siemship-testport) keeps the test processes running
// at the same time from picking the same one. Callers still detect a failed bind or a foreign listener (Check)
// and pick again.
//
// The package is imported only by tests.
package testport

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// lowest is the lowest port Pick hands out: below it live most fixed service ports (8080, 9090, 5432 ...).
const lowest = 10000

// ephemeralRange reads the kernel's ephemeral port range (the default of Linux when it cannot be read).
func ephemeralRange() (lo, hi int) {
	lo, hi = 32768, 60999
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return lo, hi
	}
	l, err1 := strconv.Atoi(f[0])
	h, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || l > h {
		return lo, hi
	}
	return l, h
}

// candidates returns the ports Pick chooses from: [lowest, 65535] without the ephemeral range. Should the
// ephemeral range cover all of it, the whole range is used (a failed bind is still detected by the callers).
func candidates() [][2]int {
	lo, hi := ephemeralRange()
	var r [][2]int
	if lo > lowest {
		r = append(r, [2]int{lowest, lo - 1})
	}
	if hi < 65535 {
		r = append(r, [2]int{max(hi+1, lowest), 65535})
	}
	if len(r) == 0 {
		r = [][2]int{{lowest, 65535}}
	}
	return r
}

// Pick returns a port on which no TCP or UDP socket of this network namespace is bound now (in any state:
// a connection in TIME_WAIT also makes a bind fail), chosen at random outside the ephemeral range. It reserves
// nothing: a caller that lets another process bind it must detect a failed bind or a foreign listener (Check)
// and pick again.
//
// Pick never returns the same port twice to the test processes that run at the same time on the machine (a
// lock file per port, held until the process exits): a receiver that is down for a restart keeps its port
// against the other tests of this process and of parallel test runs.
func Pick() (int, error) {
	used := usedPorts()
	ranges := candidates()
	total := 0
	for _, r := range ranges {
		total += r[1] - r[0] + 1
	}
	for range 1000 {
		n := rand.IntN(total)
		for _, r := range ranges {
			if size := r[1] - r[0] + 1; n >= size {
				n -= size
				continue
			}
			if port := r[0] + n; !used[port] && claim(port) {
				return port, nil
			}
			break
		}
	}
	return 0, errors.New("testport: no free port found in 1000 tries")
}

// claims are the ports this process handed out and their lock files, never closed (nor collected), so that the
// locks last as long as the process.
var claims struct {
	sync.Mutex
	taken map[int]bool
	files []*os.File
}

// claim takes the port for this process: false when this process or another one running now took it before.
// Without a usable lock directory it only guards against this process.
func claim(port int) bool {
	claims.Lock()
	defer claims.Unlock()
	if claims.taken[port] {
		return false
	}
	if claims.taken == nil {
		claims.taken = map[int]bool{}
	}
	dir := filepath.Join(os.TempDir(), "siemship-testport")
	if err := os.MkdirAll(dir, 0o777); err == nil {
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR|syscall.O_CLOEXEC, 0o666)
		if err == nil {
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
				_ = f.Close()
				return false // held by another test process
			}
			claims.files = append(claims.files, f)
		}
	}
	claims.taken[port] = true
	return true
}

// usedPorts returns the local ports of every TCP and UDP socket in /proc/net/{tcp,tcp6,udp,udp6}.
func usedPorts() map[int]bool {
	used := map[int]bool{}
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := os.ReadFile("/proc/net/" + name)
		if err != nil {
			continue
		}
		for _, e := range parseTable(b) {
			used[e.port] = true
		}
	}
	return used
}

// entry is one socket of a /proc/net/tcp or tcp6 table.
type entry struct {
	addr  string // local address as printed (8 or 32 hex digits)
	port  int
	state string // 0A is TCP_LISTEN
	inode uint64
}

func parseTable(table []byte) []entry {
	var out []entry
	lines := bytes.Split(table, []byte("\n"))
	if len(lines) > 0 {
		lines = lines[1:] // header
	}
	for _, line := range lines {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
		f := strings.Fields(string(line))
		if len(f) < 10 {
			continue
		}
		addr, port, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(port, 16, 16)
		if err != nil {
			continue
		}
		inode, _ := strconv.ParseUint(f[9], 10, 64)
		out = append(out, entry{addr: addr, port: int(p), state: f[3], inode: inode})
	}
	return out
}

// hexAddrs returns how a /proc/net/tcp (4 bytes) or tcp6 (16 bytes) table prints ip: in host byte order, one
// 32-bit word at a time; both byte orders are returned so that the match does not depend on the host's.
func hexAddrs(ip net.IP) []string {
	var words [][]byte
	if v4 := ip.To4(); v4 != nil && len(ip) == net.IPv4len {
		words = [][]byte{v4}
	} else {
		v6 := ip.To16()
		words = [][]byte{v6[0:4], v6[4:8], v6[8:12], v6[12:16]}
	}
	var be, le strings.Builder
	for _, w := range words {
		fmt.Fprintf(&be, "%02X%02X%02X%02X", w[0], w[1], w[2], w[3])
		fmt.Fprintf(&le, "%02X%02X%02X%02X", w[3], w[2], w[1], w[0])
	}
	return []string{be.String(), le.String()}
}

// listenerInodes returns the inodes of the sockets in a /proc/net/tcp or tcp6 table that listen on port at one of
// the addresses in want (hex, as hexAddrs prints them).
func listenerInodes(table []byte, want []string, port int) []uint64 {
	var out []uint64
	for _, e := range parseTable(table) {
		if e.state == "0A" && e.port == port && slices.Contains(want, e.addr) {
			out = append(out, e.inode)
		}
	}
	return out
}

// Listeners returns the inodes of every socket in the network namespace of pid (pid 0: this process's) that
// accepts TCP connections made to addr:port: listening on addr itself, on the wildcard address, or (IPv6 sockets)
// on the IPv4-mapped form of addr or on ::. pid's namespace matters for receivers that run in a network namespace
// of their own.
func Listeners(pid int, addr string, port int) ([]uint64, error) {
	ip := net.ParseIP(addr)
	if ip == nil {
		return nil, fmt.Errorf("testport: not an IP address: %q", addr)
	}
	dir := "/proc/net"
	if pid != 0 {
		dir = fmt.Sprintf("/proc/%d/net", pid)
	}
	var want4, want6 []string
	if v4 := ip.To4(); v4 != nil {
		want4 = append(hexAddrs(v4), "00000000")
		want6 = append(hexAddrs(v4.To16()), hexAddrs(net.IPv6zero)...) // ::ffff:a.b.c.d and ::
	} else {
		want6 = append(hexAddrs(ip), hexAddrs(net.IPv6zero)...)
	}
	var out []uint64
	for _, t := range []struct {
		name string
		want []string
	}{{"tcp", want4}, {"tcp6", want6}} {
		if len(t.want) == 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, t.name))
		if err != nil {
			if t.name == "tcp6" && errors.Is(err, os.ErrNotExist) {
				continue // IPv6 disabled
			}
			return nil, fmt.Errorf("testport: %w", err)
		}
		out = append(out, listenerInodes(b, t.want, port)...)
	}
	return out, nil
}

// socketInodes returns the inodes of the sockets among pid's open files.
func socketInodes(pid int) (map[uint64]bool, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("testport: %w", err)
	}
	out := map[uint64]bool{}
	for _, e := range ents {
		l, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if s, ok := strings.CutPrefix(l, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out, nil
}

// ErrNotListening is Check's answer when nothing listens on the port yet.
var ErrNotListening = errors.New("nothing listens")

// StolenError is Check's answer when a socket listening on the port belongs to another process.
type StolenError struct {
	Addr    string
	Holders []string // "pid 123 (name)" of the processes holding a foreign listener; may be empty
}

func (e *StolenError) Error() string {
	who := "another process"
	if len(e.Holders) > 0 {
		who = strings.Join(e.Holders, ", ")
	}
	return fmt.Sprintf("the listener on %s belongs to %s, not to the receiver", e.Addr, who)
}

// Check reports whether process pid, and only pid, listens on addr:port: nil when every socket accepting
// connections to addr:port is among pid's open files; ErrNotListening when there is none (yet); a *StolenError
// when one belongs to someone else, so that a receiver that failed to bind is never mistaken for one that listens.
func Check(pid int, addr string, port int) error {
	inodes, err := Listeners(pid, addr, port)
	if err != nil {
		return err
	}
	if len(inodes) == 0 {
		return ErrNotListening
	}
	own, err := socketInodes(pid)
	if err != nil {
		return err
	}
	var foreign []uint64
	for _, n := range inodes {
		if !own[n] {
			foreign = append(foreign, n)
		}
	}
	if len(foreign) == 0 {
		return nil
	}
	return &StolenError{Addr: net.JoinHostPort(addr, strconv.Itoa(port)), Holders: holders(foreign)}
}

// holders names the processes that have one of the socket inodes open (a scan of /proc/*/fd, for the message).
func holders(inodes []uint64) []string {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var out []string
	for _, p := range procs {
		pid, err := strconv.Atoi(filepath.Base(p))
		if err != nil {
			continue
		}
		socks, err := socketInodes(pid)
		if err != nil {
			continue
		}
		for _, n := range inodes {
			if socks[n] {
				comm, _ := os.ReadFile(filepath.Join(p, "comm"))
				out = append(out, fmt.Sprintf("pid %d (%s)", pid, strings.TrimSpace(string(comm))))
				break
			}
		}
	}
	return out
}

// Reservation holds a port without listening on it: a socket bound to 127.0.0.1:port, without SO_REUSEADDR.
// Connections to the port are refused (the kernel answers them with a reset) and no other socket can bind the
// port until Release.
type Reservation struct {
	fd   int
	port int
}

// Reserve binds a picked port (Pick), picking again when the bind finds it taken.
func Reserve() (*Reservation, error) {
	var err error
	for range 20 {
		var port int
		if port, err = Pick(); err != nil {
			return nil, err
		}
		var fd int
		fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("testport: socket: %w", err)
		}
		err = syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
		if err == nil {
			return &Reservation{fd: fd, port: port}, nil
		}
		_ = syscall.Close(fd)
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("testport: bind 127.0.0.1:%d: %w", port, err)
		}
	}
	return nil, fmt.Errorf("testport: reserve a port: %w", err)
}

// Port is the reserved port.
func (r *Reservation) Port() int { return r.port }

// Addr is 127.0.0.1:port.
func (r *Reservation) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// Release frees the port, for a listener of this process to bind it right away. It is idempotent.
func (r *Reservation) Release() {
	if r.fd >= 0 {
		_ = syscall.Close(r.fd)
		r.fd = -1
	}
}

// Refused returns an address (127.0.0.1:port) on which connections are refused for as long as the test runs: a
// reserved port. Unlike a port that was listened on and closed, nobody can start listening there meanwhile.
func Refused(t testing.TB) string {
	t.Helper()
	r, err := Reserve()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Release)
	return r.Addr()
}

// Listen calls listen with 127.0.0.1:port for picked ports until it returns something else than "address in
// use", and returns the address it used with listen's result. It is for in-process listeners that listen again on
// the same address later (a receiver that goes down and comes back): a port from bind(0) could meanwhile be handed
// to any process that binds port 0 or connects somewhere.
func Listen(listen func(addr string) error) (string, error) {
	var err error
	for range 20 {
		var port int
		if port, err = Pick(); err != nil {
			return "", err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = listen(addr); !errors.Is(err, syscall.EADDRINUSE) {
			return addr, err
		}
	}
	return "", fmt.Errorf("testport: listen: %w", err)
}
