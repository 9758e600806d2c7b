package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Report is the outcome of one benchmark run; it is printed as a table and written as JSON.
type Report struct {
	Date     time.Time `json:"date"`
	Machine  Machine   `json:"machine"`
	Setup    Setup     `json:"setup"`
	Data     Data      `json:"data"`
	PullOnly *Phase    `json:"pull_only,omitempty"`
	SendOnly *Phase    `json:"send_only,omitempty"`
	EndToEnd *Phase    `json:"end_to_end,omitempty"`
	// EndToEndOfPull is the end-to-end rate as a fraction of the pull-only rate of the same run (0 when either
	// phase was skipped).
	EndToEndOfPull float64 `json:"end_to_end_of_pull_only"`
	// CPUCeiling bounds EndToEndOfPull when both phases are limited by the machine's CPUs, as on a small machine
	// that runs the emulator, the shipper and the receiver: end to end does all the work of pull only and all the
	// work of send only (socket writes, confirmation, receiving), and encodes too, so its rate is at most
	// P / (P + S) of pull only's, with P and S the CPU seconds per record of all processes in those two phases.
	// 0 when a phase was skipped or the receiver is external (its CPU is not in send only).
	CPUCeiling float64 `json:"cpu_ceiling_of_pull_only,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs       int    `json:"cpus"`
	CPUModel   string `json:"cpu_model"`
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	OS         string `json:"os"`
	LoadAvg    string `json:"loadavg_at_start"` // /proc/loadavg: other work on the machine skews the numbers
}

// Setup is what was measured.
type Setup struct {
	Shards            int      `json:"shards"`
	Records           int      `json:"records"`
	GroupRecords      int      `json:"records_per_log_group"`
	MaxFetchLogGroups int      `json:"max_fetch_log_groups"`
	Protocol          string   `json:"protocol"`
	Framing           string   `json:"framing"`
	Connections       int      `json:"connections"`
	Receiver          string   `json:"receiver"`  // "built-in counting receiver" or the target address
	Isolation         string   `json:"isolation"` // where the shipper ran
	Env               []string `json:"extra_env,omitempty"`
}

// Data describes the generated backlog.
type Data struct {
	Records         uint64  `json:"records"`
	RawBytes        int64   `json:"raw_bytes"`        // serialized LogGroup bytes, as SLS counts raw size
	AvgRecordBytes  float64 `json:"avg_record_bytes"` // RawBytes / Records
	GenerateSeconds float64 `json:"generate_seconds"`
}

// Phase is one measurement.
type Phase struct {
	Name string `json:"name"`
	// Shipper says what ran in the measured process: the CPU and RSS columns cover exactly that.
	Shipper string `json:"shipper"`
	Records uint64 `json:"records"`
	// DrainSeconds runs from the shipper's start (process start for a child) until the last record was
	// confirmed: it includes start-up, joining the consumer group and the first pulls.
	DrainSeconds float64 `json:"drain_seconds"`
	// RateSeconds runs from the first record seen to the last; RecordsPerSec = Records / RateSeconds.
	RateSeconds    float64 `json:"rate_seconds"`
	RecordsPerSec  float64 `json:"records_per_sec"`
	RawMBPerSec    float64 `json:"raw_mb_per_sec"`    // RecordsPerSec × average raw record size, 10^6 bytes
	SyslogMBPerSec float64 `json:"syslog_mb_per_sec"` // syslog messages received (framing excluded), 0 if unknown
	// CPUSeconds is user+system CPU of the measured process during the phase; CPUPerMillion scales it to 10^6
	// records.
	CPUSeconds    float64 `json:"cpu_seconds"`
	CPUPerMillion float64 `json:"cpu_seconds_per_million"`
	// EnvCPUSeconds is the CPU of the benchmark process itself (emulator, receiver) during the phase when the
	// shipper ran as a child; 0 otherwise.
	EnvCPUSeconds float64 `json:"env_cpu_seconds,omitempty"`
	// ReceiverCPUSeconds is the external receiver's CPU (Options.TargetPID) from the phase's start until it went
	// idle after the phase; ReceiverCPUPerMillion scales it to 10^6 records.
	ReceiverCPUSeconds    float64 `json:"receiver_cpu_seconds,omitempty"`
	ReceiverCPUPerMillion float64 `json:"receiver_cpu_seconds_per_million,omitempty"`
	PeakRSSMiB            float64 `json:"peak_rss_mib"` // VmHWM of the measured process (0 for send only)
	Lost                  uint64  `json:"lost"`
	Duplicates            uint64  `json:"duplicates"`
	Verified              bool    `json:"verified"` // the receiver's ledger saw every seq (built-in receiver only)
}

// allCPUPerMillion is the CPU per 10^6 records of every process the phase measured: the measured process and,
// when the shipper ran as a child, the benchmark process (emulator, receiver).
func (p *Phase) allCPUPerMillion() float64 {
	if p.Records == 0 {
		return 0
	}
	return (p.CPUSeconds + p.EnvCPUSeconds) / float64(p.Records) * 1e6
}

func (p *Phase) finish(records uint64, avgRaw float64, syslogBytes uint64) {
	p.Records = records
	if p.RateSeconds <= 0 {
		p.RateSeconds = p.DrainSeconds
	}
	if p.RateSeconds > 0 {
		p.RecordsPerSec = float64(records) / p.RateSeconds
		p.RawMBPerSec = p.RecordsPerSec * avgRaw / 1e6
		p.SyslogMBPerSec = float64(syslogBytes) / p.RateSeconds / 1e6
	}
	if records > 0 {
		p.CPUPerMillion = p.CPUSeconds / float64(records) * 1e6
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) {
	s := r.Setup
	fmt.Fprintf(w, "siemship bench %s  (%d CPUs, %s, %s, load at start %s)\n", r.Date.Format(time.RFC3339),
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, r.Machine.LoadAvg)
	fmt.Fprintf(w, "data: %d records in %d shards, %d per log group, %.0f B raw per record; pulls of %d groups\n",
		r.Data.Records, s.Shards, s.GroupRecords, r.Data.AvgRecordBytes, s.MaxFetchLogGroups)
	fmt.Fprintf(w, "output: %s, %s framing, %d connection(s) to %s; shipper %s\n",
		s.Protocol, s.Framing, s.Connections, s.Receiver, s.Isolation)
	if len(s.Env) > 0 {
		fmt.Fprintf(w, "settings: %s\n", strings.Join(s.Env, " "))
	}
	fmt.Fprintf(w, "%-11s %11s %9s %11s %8s %8s %10s %9s  %s\n",
		"phase", "records/s", "raw MB/s", "syslog MB/s", "drain s", "CPU s", "CPU s/M", "RSS MiB", "measured process")
	for _, p := range []*Phase{r.PullOnly, r.SendOnly, r.EndToEnd} {
		if p == nil {
			continue
		}
		fmt.Fprintf(w, "%-11s %11.0f %9.1f %11.1f %8.2f %8.2f %10.2f %9.1f  %s\n", p.Name, p.RecordsPerSec,
			p.RawMBPerSec, p.SyslogMBPerSec, p.DrainSeconds, p.CPUSeconds, p.CPUPerMillion, p.PeakRSSMiB, p.Shipper)
	}
	if e := r.EndToEnd; e != nil {
		verdict := "not verified (external receiver: checkpoints only)"
		if e.Verified {
			verdict = "every record received once"
		} else if strings.HasPrefix(s.Receiver, "built-in") {
			verdict = fmt.Sprintf("LOST %d, %d duplicates", e.Lost, e.Duplicates)
		}
		fmt.Fprintf(w, "end to end: %s", verdict)
		if e.Duplicates > 0 && e.Verified {
			fmt.Fprintf(w, " (%d duplicates)", e.Duplicates)
		}
		fmt.Fprintln(w)
	}
	for _, p := range []*Phase{r.SendOnly, r.EndToEnd} {
		if p != nil && p.ReceiverCPUSeconds > 0 {
			fmt.Fprintf(w, "%s: the receiver used %.2f CPU s (%.2f per million records) until it was idle\n",
				p.Name, p.ReceiverCPUSeconds, p.ReceiverCPUPerMillion)
		}
	}
	if r.EndToEndOfPull > 0 {
		fmt.Fprintf(w, "end to end / pull only: %.0f%%", 100*r.EndToEndOfPull)
		if r.CPUCeiling > 0 {
			fmt.Fprintf(w, " (CPU-bound ceiling, pull only ÷ (pull only + send only) in CPU per record: %.0f%%)",
				100*r.CPUCeiling)
		}
		fmt.Fprintln(w)
	}
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// usage is a process's CPU time.
type usage struct {
	cpu time.Duration
}

func fromRusage(ru *syscall.Rusage) usage {
	if ru == nil {
		return usage{}
	}
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
}

func selfUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return fromRusage(&ru)
}
