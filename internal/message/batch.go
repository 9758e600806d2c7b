package message

import "fmt"

// Batch is a run of framed messages, what an encoder fills and a sink sends: frame i is Buf[Ends[i-1]:Ends[i]]
// (frame 0 starts at 0), so the frames are contiguous and Ends[len(Ends)-1] == len(Buf). Each frame carries the
// framing the sink asked for (Framing), so a stream sink writes Buf as one byte stream and a datagram sink sends
// each frame as one datagram.
//
// The zero Batch is empty. Reset keeps the capacity so a Batch can be reused for the next send.
type Batch struct {
	Buf  []byte
	Ends []int
}

// Append adds one frame.
func (b *Batch) Append(frame []byte) {
	b.Buf = append(b.Buf, frame...)
	b.Ends = append(b.Ends, len(b.Buf))
}

// Len is the number of frames.
func (b *Batch) Len() int { return len(b.Ends) }

// Frame returns frame i, aliasing Buf.
func (b *Batch) Frame(i int) []byte {
	start := 0
	if i > 0 {
		start = b.Ends[i-1]
	}
	return b.Buf[start:b.Ends[i]]
}

// Reset empties the batch, keeping its buffers.
func (b *Batch) Reset() {
	b.Buf = b.Buf[:0]
	b.Ends = b.Ends[:0]
}

// Validate checks that Ends describes Buf exactly.
func (b *Batch) Validate() error {
	prev := 0
	for i, e := range b.Ends {
		if e < prev || e > len(b.Buf) {
			return fmt.Errorf("invalid batch: frame %d ends at %d after %d (buffer %d bytes)", i, e, prev, len(b.Buf))
		}
		prev = e
	}
	if prev != len(b.Buf) {
		return fmt.Errorf("invalid batch: frames end at %d but the buffer holds %d bytes", prev, len(b.Buf))
	}
	return nil
}
