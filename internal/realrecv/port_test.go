package realrecv

import (
	"net"
	"testing"
)

func TestListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if !listening(port) {
		t.Errorf("listening(%d) = false while a listener is open", port)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if listening(port) {
		t.Errorf("listening(%d) = true after close", port)
	}
}
