package syslogrecv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// errIncomplete reports a stream that ended inside a frame: an octet-counted frame shorter than its count or a line
// without its LF. The partial frame is discarded (not delivered to the handler).
var errIncomplete = errors.New("stream ended inside a frame")

// errFrame reports a framing violation: the connection cannot be resynchronised and is closed.
type errFrame struct{ msg string }

func (e *errFrame) Error() string { return e.msg }

// frameReader splits a byte stream into syslog messages the way rsyslog imtcp does, deciding per frame: a frame
// starting with a digit is octet-counted (RFC 6587 §3.4.1 / RFC 5425 §4.3: `MSG-LEN SP MSG`), anything else is
// terminated by LF (RFC 6587 §3.4.2), with one CR before the LF stripped. Empty frames are skipped.
//
// Unlike rsyslog, which falls back to LF framing for an implausible octet count, a bad count or a frame longer than
// max is an error: the caller closes the connection.
type frameReader struct {
	br  *bufio.Reader // size >= max+maxCountDigits+2, so that Peek(max) and ReadSlice of a max line never overflow
	max int
}

const maxCountDigits = 10

// bufferSize is the bufio size needed for messages of up to max bytes.
func bufferSize(maxMsg int) int {
	return max(256<<10, maxMsg+maxCountDigits+2)
}

// next returns the next message, valid until the following call. It returns io.EOF at a clean end of stream
// (between frames), errIncomplete if the stream ended inside a frame, *errFrame on a framing violation, and read
// errors as they come.
func (f *frameReader) next() ([]byte, error) {
	for {
		c, err := f.br.Peek(1)
		if err != nil {
			return nil, err
		}
		var msg []byte
		if '0' <= c[0] && c[0] <= '9' {
			msg, err = f.octetCounted()
		} else {
			msg, err = f.line()
		}
		if err != nil || len(msg) > 0 {
			return msg, err
		}
	}
}

func (f *frameReader) octetCounted() ([]byte, error) {
	hdr, err := f.br.ReadSlice(' ')
	if err != nil {
		if err == io.EOF {
			return nil, errIncomplete
		}
		if err == bufio.ErrBufferFull {
			return nil, &errFrame{"octet count not followed by a space"}
		}
		return nil, err
	}
	digits := hdr[:len(hdr)-1]
	if len(digits) > maxCountDigits {
		return nil, &errFrame{fmt.Sprintf("octet count of %d digits", len(digits))}
	}
	n := 0
	for _, d := range digits {
		if d < '0' || d > '9' {
			return nil, &errFrame{fmt.Sprintf("invalid octet count %q", digits)}
		}
		n = n*10 + int(d-'0')
	}
	if n > f.max {
		return nil, &errFrame{fmt.Sprintf("frame of %d bytes exceeds the maximum of %d", n, f.max)}
	}
	msg, err := f.br.Peek(n)
	if err != nil {
		if err == io.EOF {
			return nil, errIncomplete
		}
		return nil, err
	}
	// Discard only moves the read index: msg stays valid until the next read refills the buffer.
	if _, err := f.br.Discard(n); err != nil {
		return nil, err
	}
	return msg, nil
}

func (f *frameReader) line() ([]byte, error) {
	line, err := f.br.ReadSlice('\n')
	if err != nil {
		if err == io.EOF {
			return nil, errIncomplete
		}
		if err == bufio.ErrBufferFull {
			return nil, &errFrame{fmt.Sprintf("line longer than the maximum of %d bytes", f.max)}
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) > f.max {
		return nil, &errFrame{fmt.Sprintf("line of %d bytes exceeds the maximum of %d", len(line), f.max)}
	}
	return line, nil
}
