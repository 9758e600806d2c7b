//go:build !linux

package jsonenc

import "time"

func threadCPU() (time.Duration, bool) { return 0, false }
