//go:build unix

package leef

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) the process has used, for benchmarks on a machine that is busy with
// other work, where the wall clock counts the time the benchmark waits for a core.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
