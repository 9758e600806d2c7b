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

func TestListeningTable(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0200E70A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
   3: 0100007F:2328 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0
`
	for _, c := range []struct {
		addr string
		port int
		want bool
	}{
		{"127.0.0.1", 8080, true},
		{"10.231.0.2", 80, true},
		{"10.231.0.2", 22, true}, // 0.0.0.0
		{"127.0.0.1", 22, true},
		{"127.0.0.1", 80, false},   // other address
		{"127.0.0.1", 9000, false}, // established, not listening
		{"not-an-ip", 8080, false},
	} {
		if got := listeningTable([]byte(table), c.addr, c.port); got != c.want {
			t.Errorf("listeningTable(%s:%d) = %v, want %v", c.addr, c.port, got, c.want)
		}
	}
}
