package message

// Counts are what an encoder had to change in the messages of one call; the pipeline adds them to its counters.
type Counts struct {
	Truncated int // messages cut to the maximum message size
	Sanitized int // messages with an escaped key or value
}

// Add counts one message.
func (c *Counts) Add(truncated, sanitized bool) {
	if truncated {
		c.Truncated++
	}
	if sanitized {
		c.Sanitized++
	}
}

// Scratch is an encoder's working space for one goroutine, kept by the caller between calls so that encoding does
// not allocate. The zero value is ready to use.
type Scratch struct {
	Buf []byte
}
