package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The SDK's HTTP client keeps idle keep-alive connections to the (stopped) emulator for a while.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	)
}

// TestRunSmall runs every phase in-process on a tiny backlog and checks the report's structure and that the
// receiver's ledger saw every record exactly once. No timing is asserted. One shard: with more, -race flags a
// race inside the SDK (Client.initHttpClient written by every shard worker).
func TestRunSmall(t *testing.T) {
	for _, tc := range []struct {
		name, protocol, framing string
		connections             int
	}{
		{"tcp-lf", "tcp", "lf", 1},
		{"tls-octet", "tls", "octet", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Run(t.Context(), Options{
				Shards: 1, Records: 3000, GroupRecords: 10, MaxFetchLogGroups: 50,
				Protocol: tc.protocol, Framing: tc.framing, Connections: tc.connections,
				Env:     []string{"SLS_FETCH_INTERVAL=20ms", "SLS_HEARTBEAT_INTERVAL=1s", "SIEMSHIP_SHUTDOWN_TIMEOUT=2s"},
				Timeout: time.Minute,
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Data.Records != 3000 || rep.Data.RawBytes <= 0 || rep.Data.AvgRecordBytes < 100 {
				t.Errorf("data %+v", rep.Data)
			}
			if rep.Setup.Protocol != tc.protocol || rep.Setup.Framing != tc.framing || rep.Setup.Connections != tc.connections {
				t.Errorf("setup %+v", rep.Setup)
			}
			for _, p := range []*Phase{rep.PullOnly, rep.SendOnly, rep.EndToEnd} {
				if p == nil {
					t.Fatalf("missing phase in %+v", rep)
				}
				if p.Records < 3000 || p.RecordsPerSec <= 0 || p.DrainSeconds <= 0 || p.Shipper == "" {
					t.Errorf("phase %+v", *p)
				}
			}
			e := rep.EndToEnd
			if !e.Verified || e.Lost != 0 || e.Records != 3000 {
				t.Errorf("end to end not verified: %+v", *e)
			}
			if rep.EndToEndOfPull <= 0 {
				t.Errorf("ratio %v", rep.EndToEndOfPull)
			}
			if rep.CPUCeiling <= 0 || rep.CPUCeiling >= 1 {
				t.Errorf("CPU ceiling %v, want in (0, 1)", rep.CPUCeiling)
			}
			var js bytes.Buffer
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"machine", "setup", "data", "pull_only", "send_only", "end_to_end", "end_to_end_of_pull_only", "cpu_ceiling_of_pull_only"} {
				if _, ok := back[k]; !ok {
					t.Errorf("JSON lacks %q: %s", k, js.String())
				}
			}
			var table strings.Builder
			rep.WriteTable(&table)
			for _, want := range []string{"pull only", "send only", "end to end", "every record received once", "CPU-bound ceiling"} {
				if !strings.Contains(table.String(), want) {
					t.Errorf("table lacks %q:\n%s", want, table.String())
				}
			}
		})
	}
}

// TestRunHEC runs the end-to-end phase into the HEC emulator: every record is counted once there when the
// checkpoints reach the end. No timing is asserted.
func TestRunHEC(t *testing.T) {
	rep, err := Run(t.Context(), Options{
		Shards: 1, Records: 3000, GroupRecords: 10, MaxFetchLogGroups: 50, HEC: true, SkipPull: true, SkipSend: true,
		Env:     []string{"SLS_FETCH_INTERVAL=20ms", "SLS_HEARTBEAT_INTERVAL=1s", "SIEMSHIP_SHUTDOWN_TIMEOUT=2s"},
		Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := rep.EndToEnd
	if e == nil || e.Records != 3000 || e.Lost != 0 || e.Duplicates != 0 || !e.Verified || !strings.Contains(rep.Setup.Receiver, "HEC") {
		t.Fatalf("end to end %+v, setup %+v", e, rep.Setup)
	}
}

func TestOptionsRejected(t *testing.T) {
	for _, o := range []Options{
		{Protocol: "udp"}, {Framing: "crlf"}, {Shards: 1000}, {Records: -1}, {Target: "nohostport"}, {GroupRecords: 5000},
	} {
		if _, err := o.withDefaults(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestOverride(t *testing.T) {
	got := override([]string{"A=1", "B=2"}, []string{"B=3", "C=4"})
	if strings.Join(got, " ") != "A=1 B=3 C=4" {
		t.Fatalf("got %v", got)
	}
}

func TestProcessCPU(t *testing.T) {
	// Spin until getrusage counts 100 ms more CPU for this process; /proc/self/stat must show as much (it counts in
	// 10 ms ticks).
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	start := selfUsage().cpu
	for selfUsage().cpu-start < 100*time.Millisecond {
	}
	after, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := after - before; d < 80*time.Millisecond {
		t.Fatalf("100 ms of CPU by getrusage counted as %v from /proc", d)
	}
	if _, err := processCPU(1 << 30); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
}

func TestCPUCeiling(t *testing.T) {
	pull := &Phase{Records: 1_000_000, CPUSeconds: 0.5, EnvCPUSeconds: 0.1} // 0.6 CPU s per million, all processes
	send := &Phase{Records: 2_000_000, CPUSeconds: 0.4}                     // 0.2
	for _, tc := range []struct {
		name       string
		pull, send *Phase
		target     string
		want       float64
	}{
		{"both phases", pull, send, "", 0.75},
		{"external receiver", pull, send, "127.0.0.1:514", 0},
		{"no pull only", nil, send, "", 0},
		{"no send only", pull, nil, "", 0},
		{"no records", &Phase{}, send, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cpuCeiling(tc.pull, tc.send, tc.target); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("cpuCeiling = %v, want %v", got, tc.want)
			}
		})
	}
}
