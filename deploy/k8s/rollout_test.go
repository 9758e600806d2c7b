package k8s

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestRollingUpdateWithoutDuplicates plays the Deployment's rolling update with siemship in-process against the
// emulator while records keep arriving: for each old pod, a new pod (new name, as pod names are) joins first
// (maxSurge 1, maxUnavailable 0), then the old one gets SIGTERM. Every record must arrive exactly once: the stopping
// pod saves the checkpoints of what it delivered, and its shards move on from there.
func TestRollingUpdateWithoutDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for consumer-group handovers; skipped with -short")
	}
	b, err := os.ReadFile("base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	if err := yaml.UnmarshalStrict(b, &dep); err != nil {
		t.Fatal(err)
	}
	replicas := int(*dep.Spec.Replicas)
	if ru := dep.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxSurge.IntValue() != 1 || ru.MaxUnavailable.IntValue() != 0 {
		t.Fatalf("this test plays maxSurge 1, maxUnavailable 0; the Deployment has %+v", ru)
	}

	emu := harness.StartEmulator(t, 4, 2000)
	led := ledger.New("||")
	recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, led.Observe)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	pod := func(name string) *harness.Shipper {
		return harness.StartShipper(t, emu.Env(recv.Addr(), "tcp", "SLS_CONSUMER_NAME="+name))
	}

	var pods []*harness.Shipper
	for i := range replicas {
		pods = append(pods, pod(fmt.Sprintf("siemship-6d4f9-old%d", i)))
	}
	total := uint64(2000)
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if err := emu.Generate(harness.Project, harness.Logstore, 50); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += 50
				mu.Unlock()
			}
		}
	}()
	waitUntil := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, led.Report())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitUntil("the first records", 30*time.Second, func() bool { return led.Report().Unique >= 1000 })

	for i := range replicas {
		newPod := pod(fmt.Sprintf("siemship-8b7c2-new%d", i))
		time.Sleep(2 * time.Second) // the new pod joins the group and takes its share (readiness)
		if err := pods[i].Stop(); err != nil {
			t.Errorf("old pod %d did not stop cleanly: %v", i, err)
		}
		pods[i] = newPod
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	want := total
	mu.Unlock()
	// The old pods' shards move after SLS_HEARTBEAT_TIMEOUT; then the backlog drains.
	waitUntil(fmt.Sprintf("all %d records", want), 60*time.Second, func() bool { return led.Report().Unique >= want })
	for _, p := range pods {
		if err := p.Stop(); err != nil {
			t.Errorf("new pod did not stop cleanly: %v", err)
		}
	}
	rep := led.Report()
	if missing := led.Missing(1, want, 10); len(missing) > 0 || rep.Duplicates != 0 || rep.NoSeq != 0 {
		t.Errorf("rolling update: %+v of %d records, missing %v; want each exactly once", rep, want, missing)
	}
	t.Logf("rolling update of %d pods while producing: %d records, %d duplicates", replicas, want, rep.Duplicates)
}
