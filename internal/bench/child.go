package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
)

// Child phases, as passed to `siemship bench --child`.
const (
	ChildPull = "pull"
	ChildShip = "e2e"
)

// child is a shipper phase running as a separate siemship process.
type child struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	once sync.Once
	err  error
	done chan struct{}
}

func (r *run) startChild(phase string, env []string, profile string) (*child, error) {
	args := []string{"bench", "--child", phase, "--child-records", strconv.Itoa(r.o.Records)}
	if profile != "" {
		args = append(args, "--cpuprofile", profile)
	}
	ch := &child{done: make(chan struct{})}
	ch.cmd = exec.Command(r.o.Exe, args...) // #nosec G204 -- our own binary, arguments built here
	ch.cmd.Env = env
	ch.cmd.Stdout = &ch.out
	ch.cmd.Stderr = r.o.ChildStderr
	if err := ch.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s child: %w", phase, err)
	}
	go func() {
		ch.err = ch.cmd.Wait()
		close(ch.done)
	}()
	return ch, nil
}

// exited waits for the child to exit and returns its error.
func (ch *child) exited() error {
	<-ch.done
	if ch.err != nil {
		return fmt.Errorf("bench child: %w", ch.err)
	}
	return nil
}

// wait waits for a child that ends by itself; when ctx ends first, the child is terminated.
func (ch *child) wait(ctx context.Context) (usage, error) {
	select {
	case <-ch.done:
	case <-ctx.Done():
		ch.terminate()
		return usage{}, fmt.Errorf("bench child: %w", ctx.Err())
	}
	if ch.err != nil {
		return usage{}, fmt.Errorf("bench child: %w", ch.err)
	}
	return ch.usage(), nil
}

// terminate sends SIGTERM (a graceful stop, as Kubernetes does), then SIGKILL after 15 s, and waits for the exit.
func (ch *child) terminate() {
	ch.once.Do(func() {
		_ = ch.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-ch.done:
		case <-time.After(15 * time.Second):
			_ = ch.cmd.Process.Kill()
			<-ch.done
		}
	})
}

// usage is the child's CPU time and peak RSS; valid after it exited.
func (ch *child) usage() usage {
	if ch.cmd.ProcessState == nil {
		return usage{}
	}
	ru, _ := ch.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return fromRusage(ru)
}

// result decodes the JSON the child printed.
func (ch *child) result(v any) error {
	if err := json.Unmarshal(bytes.TrimSpace(ch.out.Bytes()), v); err != nil {
		return fmt.Errorf("bench child: result %q: %w", ch.out.String(), err)
	}
	return nil
}

// RunChild is the child side of a phase: `siemship bench --child pull|e2e`. The configuration comes from environ.
// The pull phase prints a PullResult as JSON on stdout and returns when records were pulled; the e2e phase ships
// until ctx is cancelled (SIGTERM). cpuProfile, when set, is written for the whole child.
func RunChild(ctx context.Context, phase string, records uint64, cpuProfile string, environ []string, stdout io.Writer, log *zap.Logger) error {
	cfg, err := config.Load(environ)
	if err != nil {
		return fmt.Errorf("bench child: configuration: %w", err)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("bench child: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench child: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var res ChildResult
	switch phase {
	case ChildPull:
		pr, err := Pull(ctx, cfg, records, log)
		if err != nil {
			return err
		}
		res.Pull = &pr
	case ChildShip:
		if err := Ship(ctx, cfg, log); err != nil {
			return err
		}
	default:
		return fmt.Errorf("bench child: unknown phase %q", phase)
	}
	res.PeakRSSKiB = peakRSSKiB()
	return json.NewEncoder(stdout).Encode(res)
}

// ChildResult is what a child prints on stdout when its phase is over.
type ChildResult struct {
	Pull *PullResult `json:"pull,omitempty"`
	// PeakRSSKiB is VmHWM of the child's own address space. getrusage's maxrss cannot be used: Linux carries the
	// RSS of the parent's address space, which the child shares until exec (vfork), into the child's maxrss.
	PeakRSSKiB int64 `json:"peak_rss_kib"`
}

// peakRSSKiB reads VmHWM from /proc/self/status (0 when unavailable).
func peakRSSKiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
