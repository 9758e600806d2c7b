package syslog

import "time"

// resetLogEvery bounds the warnings about resets after delivered batches to one per interval.
const resetLogEvery = 10 * time.Second
