package syslog

import (
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testport"
)

// Failover: the first destination is down, batches go to the second; once the first is back, a probe returns the
// client to it. Each batch arrives whole at one destination.
func TestFailover(t *testing.T) {
	// The first destination is "down": its port is reserved (connections are refused, and no other process can
	// take it before the receiver comes up there).
	res, err := testport.Reserve()
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	first := res.Addr()
	colB := syslogrecv.NewCollector(0)
	rb := receiver(t, syslogrecv.Options{}, colB.Handle)
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{first, rb.Addr()}, ProbeInterval: 200 * time.Millisecond})

	bt, msgs := batch("f", 0, 50, 200, octet)
	if err := c.Send(t.Context(), bt); err == nil {
		t.Fatal("the first Send to a down destination succeeded")
	}
	for range 3 {
		if err := c.Send(t.Context(), bt); err != nil {
			t.Fatalf("send to the second destination: %v", err)
		}
	}
	checkMessages(t, colB, rb, append(append(append([]string(nil), msgs...), msgs...), msgs...))
	if got := c.Addr(); got != rb.Addr() {
		t.Errorf("Addr = %s, want the second destination while the first is down", got)
	}

	colA := syslogrecv.NewCollector(0)
	res.Release()
	ra := receiver(t, syslogrecv.Options{Addr: first}, colA.Handle)
	time.Sleep(250 * time.Millisecond) // the probe is due
	if err := c.Send(t.Context(), bt); err != nil {
		t.Fatal(err)
	}
	checkMessages(t, colA, ra, msgs)
	if rb.Count() != 150 {
		t.Errorf("second destination has %d messages, want 150", rb.Count())
	}
	if st := c.Stats(); st.Failovers != 1 || st.Batches != 4 {
		t.Errorf("stats %+v, want one failover and 4 batches", st)
	}
}

func TestRoundRobin(t *testing.T) {
	var rs []*syslogrecv.Receiver
	var addrs []string
	for range 3 {
		r := receiver(t, syslogrecv.Options{}, nil)
		rs = append(rs, r)
		addrs = append(addrs, r.Addr())
	}
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: addrs, Balance: BalanceRoundRobin, Confirm: ConfirmClose})
	for range 6 {
		bt, _ := batch("rr", 0, 10, 100, octet)
		if err := c.Send(t.Context(), bt); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rs { // close mode: Send returned after the receiver read the batch
		if r.Count() != 20 {
			t.Errorf("destination %d got %d messages, want 20 (two batches)", i, r.Count())
		}
	}
}
