package syslog

import (
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

func TestSocketOptions(t *testing.T) {
	r := receiver(t, syslogrecv.Options{}, nil)
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}, WriteTimeout: 1234 * time.Millisecond,
		KeepAlive: 42 * time.Second})
	bt, _ := batch("s", 0, 1, 100, octet)
	if err := c.Send(t.Context(), bt); err != nil {
		t.Fatal(err)
	}
	rc, err := c.dests[0].all[0].cn.tcp.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	want := map[string]int{"TCP_USER_TIMEOUT": 1234, "SO_KEEPALIVE": 1, "TCP_KEEPIDLE": 42, "TCP_KEEPINTVL": 14, "TCP_KEEPCNT": 3}
	if err := rc.Control(func(fd uintptr) {
		for name, opt := range map[string][2]int{
			"TCP_USER_TIMEOUT": {syscall.IPPROTO_TCP, tcpUserTimeout},
			"SO_KEEPALIVE":     {syscall.SOL_SOCKET, syscall.SO_KEEPALIVE},
			"TCP_KEEPIDLE":     {syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE},
			"TCP_KEEPINTVL":    {syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL},
			"TCP_KEEPCNT":      {syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT},
		} {
			v, err := syscall.GetsockoptInt(int(fd), opt[0], opt[1])
			if err != nil {
				t.Errorf("getsockopt %s: %v", name, err)
			}
			got[name] = v
		}
	}); err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
}
