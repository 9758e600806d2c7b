//go:build chaos

package chaos

import (
	"net"
	"sync"
	"testing"
)

// gate is a TCP forwarder between one siemship replica and the SLS emulator that can make SLS unreachable for that
// replica alone. While it is shut, nothing passes in either direction: requests on open connections and on new
// ones get no answer, as when the network between a replica and SLS fails. When it opens again, the connections
// of the outage are closed (their requests timed out long ago) and new ones pass.
type gate struct {
	upstream string
	ln       net.Listener
	wg       sync.WaitGroup

	mu     sync.Mutex
	shut   chan struct{} // non-nil while shut; closed when the gate opens
	conns  map[net.Conn]struct{}
	closed bool
}

func startGate(t testing.TB, upstream string) *gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{upstream: upstream, ln: ln, conns: map[net.Conn]struct{}{}}
	g.wg.Add(1)
	go g.accept()
	t.Cleanup(g.close)
	return g
}

func (g *gate) addr() string { return g.ln.Addr().String() }

// cut makes SLS unreachable through the gate.
func (g *gate) cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut == nil {
		g.shut = make(chan struct{})
	}
}

// restore lets traffic pass again.
func (g *gate) restore() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut != nil {
		close(g.shut)
		g.shut = nil
	}
}

// pass returns at once while the gate is open; while it is shut it waits until it opens and returns false: the
// connection belongs to the outage and is dropped.
func (g *gate) pass() bool {
	g.mu.Lock()
	s := g.shut
	g.mu.Unlock()
	if s == nil {
		return true
	}
	<-s
	return false
}

func (g *gate) track(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.conns[c] = struct{}{}
	return true
}

func (g *gate) untrack(c net.Conn) {
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
	_ = c.Close()
}

func (g *gate) accept() {
	defer g.wg.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		if !g.track(c) {
			_ = c.Close()
			return
		}
		g.wg.Add(1)
		go g.serve(c)
	}
}

func (g *gate) serve(c net.Conn) {
	defer g.wg.Done()
	defer g.untrack(c)
	if !g.pass() {
		return
	}
	up, err := net.Dial("tcp", g.upstream)
	if err != nil {
		return
	}
	if !g.track(up) {
		_ = up.Close()
		return
	}
	defer g.untrack(up)
	done := make(chan struct{}, 2)
	go func() { g.copy(up, c); done <- struct{}{} }()
	go func() { g.copy(c, up); done <- struct{}{} }()
	<-done // one side ended: end both
	_ = c.Close()
	_ = up.Close()
	<-done
}

// copy forwards src to dst until either fails; data read while the gate is shut is never forwarded.
func (g *gate) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !g.pass() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// close stops the gate: listener and every connection closed, goroutines ended.
func (g *gate) close() {
	g.restore()
	g.mu.Lock()
	g.closed = true
	for c := range g.conns {
		_ = c.Close()
	}
	g.mu.Unlock()
	_ = g.ln.Close()
	g.wg.Wait()
}
