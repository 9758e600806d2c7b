package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat (100 on every Linux architecture Go
// supports).
const clockTicks = 100

// processCPU returns the user+system CPU of process pid (all its threads) from /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("receiver cpu: %w", err)
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may contain spaces and parentheses
	if i < 0 {
		return 0, fmt.Errorf("receiver cpu: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("receiver cpu: malformed /proc/%d/stat", pid)
	}
	// After the command: state(0) ... utime(11) stime(12), fields 14 and 15 of proc(5).
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("receiver cpu: malformed /proc/%d/stat", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// receiverIdle waits until process pid has used less than 2 % of a core over 300 ms (an external receiver
// finishing its backlog after the phase's last write), at most timeout, and returns its CPU then.
func receiverIdle(ctx context.Context, pid int, timeout time.Duration) (time.Duration, error) {
	const step = 300 * time.Millisecond
	prev, err := processCPU(pid)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return prev, ctx.Err()
		case <-time.After(step):
		}
		cur, err := processCPU(pid)
		if err != nil {
			return 0, err
		}
		if cur-prev < step/50 {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}
