//go:build chaos

package chaos

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// isolated is a network namespace joined to the host by a veth pair. A receiver started inside it is reached at
// addr from the host. cut takes the namespace's end of the link down: from then on every packet to the receiver
// vanishes (no FIN, no RST, no ICMP), as when a firewall starts dropping or a host loses power. restore brings it
// back; the receiver process and its sockets live on meanwhile.
type isolated struct {
	t      testing.TB
	name   string // namespace
	hostIf string
	nsIf   string
	addr   string // the namespace's address
}

var isolatedSeq atomic.Int32

// newIsolated creates the namespace and the link, and removes both when the test ends. It needs root and
// iproute2 (scripts/install-test-receivers.sh installs it); without them the test is skipped, or fails with CI=true.
func newIsolated(t testing.TB) *isolated {
	t.Helper()
	n := int(isolatedSeq.Add(1))
	id := fmt.Sprintf("%d-%d", os.Getpid(), n) // unique on the host: interface names are not per namespace
	// A /30 of 10.231.0.0/16 at random, among those no interface uses: a subnet derived from a per-process counter
	// would be the same in another test run sharing the machine, and the host would route it to either namespace.
	prefix, base := freeSubnet(t)
	ns := &isolated{t: t, name: "siemship-chaos-" + id, hostIf: "sh" + id, nsIf: "sn" + id,
		addr: fmt.Sprintf("%s.%d", prefix, base+2)}
	host := fmt.Sprintf("%s.%d/30", prefix, base+1)
	if out, err := ip("netns", "add", ns.name); err != nil {
		missingNetNS(t, fmt.Sprintf("ip netns add: %v: %s", err, out))
	}
	t.Cleanup(func() {
		_, _ = ip("link", "del", ns.hostIf) // removes the peer too
		_, _ = ip("netns", "del", ns.name)
	})
	for _, args := range [][]string{
		{"link", "add", ns.hostIf, "type", "veth", "peer", "name", ns.nsIf},
		{"link", "set", ns.nsIf, "netns", ns.name},
		{"addr", "add", host, "dev", ns.hostIf},
		{"link", "set", ns.hostIf, "up"},
		{"netns", "exec", ns.name, "ip", "addr", "add", ns.addr + "/30", "dev", ns.nsIf},
		{"netns", "exec", ns.name, "ip", "link", "set", ns.nsIf, "up"},
		{"netns", "exec", ns.name, "ip", "link", "set", "lo", "up"},
	} {
		if out, err := ip(args...); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	return ns
}

// freeSubnet returns a /30 of 10.231.0.0/16 (the first three octets and the last one's base) that no interface of
// the host has an address in.
func freeSubnet(t testing.TB) (prefix string, base int) {
	t.Helper()
	out, err := ip("-4", "-o", "addr", "show")
	if err != nil {
		missingNetNS(t, fmt.Sprintf("ip addr show: %v: %s", err, out))
	}
	for range 1000 {
		prefix, base = fmt.Sprintf("10.231.%d", rand.IntN(256)), rand.IntN(64)*4
		used := false
		for i := range 4 {
			if strings.Contains(out, fmt.Sprintf(" %s.%d/", prefix, base+i)) {
				used = true
			}
		}
		if !used {
			return prefix, base
		}
	}
	t.Fatal("no free /30 in 10.231.0.0/16")
	return "", 0
}

// cut makes the namespace unreachable without telling anyone.
func (ns *isolated) cut() { ns.link("down") }

// restore makes it reachable again.
func (ns *isolated) restore() { ns.link("up") }

func (ns *isolated) link(state string) {
	ns.t.Helper()
	if out, err := ip("netns", "exec", ns.name, "ip", "link", "set", ns.nsIf, state); err != nil {
		ns.t.Fatalf("set %s %s: %v: %s", ns.nsIf, state, err, out)
	}
}

func ip(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func missingNetNS(t testing.TB, why string) {
	t.Helper()
	msg := "network namespaces unavailable (needs root and iproute2, see scripts/install-test-receivers.sh): " + why
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true: failing instead of skipping")
	}
	t.Skip(msg)
}
