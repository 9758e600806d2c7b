package syslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/siemship/siemship/internal/message"
)

// RELP (librelp doc/relp.md): every frame is "TXNR SP COMMAND SP DATALEN [SP DATA] LF". The client opens a session
// with "open" and its offers, then sends one "syslog" command per message without waiting: up to a window of
// commands may be unanswered. The server answers every command with "rsp" carrying the same transaction number, in
// command order; "200 OK" means the receiving daemon accepted the message (rsyslog: it is in rsyslog's queue). The
// server may announce that it is closing with the hint "0 serverclose 0".
//
// The client here is deliberately simple: Send writes the batch's frames within the window, reads the answers as
// they come, and returns nil only when every frame of the batch was answered 200. Any other outcome (a 500 answer,
// serverclose, a protocol error, a timeout, a broken connection) drops the connection and fails the batch, and the
// caller resends the whole batch on a new session: the unacknowledged frames are resent (and duplicates of
// already acknowledged frames of that batch are possible), loss is not.

// RELP limits and defaults.
const (
	// DefaultRELPWindow is librelp's default window (RELP_DFLT_WINDOW_SIZE).
	DefaultRELPWindow = 128
	// relpMaxTxnr is the largest transaction number; the next one is 1 (0 is reserved for server hints).
	relpMaxTxnr = 999_999_999
	// relpMaxHeader bounds "TXNR SP COMMAND SP DATALEN": 9 + 1 + 32 + 1 + 9.
	relpMaxHeader = 52
	// relpMaxResponse bounds the data of a frame from the server (an open response with its offers, or an error
	// text); longer is a protocol error.
	relpMaxResponse = 64 << 10
	// relpSoftware is our relp_software offer: name, version, URL.
	relpSoftware = "siemship,1,-"
)

// relpOffers is the data of our open command.
const relpOffers = "relp_version=0\nrelp_software=" + relpSoftware + "\ncommands=syslog"

var (
	// errServerClose is returned when the server announced that it closes the session.
	errServerClose = errors.New("relp: server closed the session (serverclose)")
	// errRELPProtocol is wrapped by errors about malformed or unexpected frames.
	errRELPProtocol = errors.New("relp: protocol error")
)

// RELPRefusedError is a non-200 answer of the server to one of our commands.
type RELPRefusedError struct {
	Command string // "open" or "syslog"
	Code    int    // e.g. 500
	Text    string // the text after the code
}

func (e *RELPRefusedError) Error() string {
	return fmt.Sprintf("relp: server answered %d %q to %s", e.Code, e.Text, e.Command)
}

// relpFrame is one parsed frame.
type relpFrame struct {
	txnr    int
	command string
	data    []byte // aliases the read buffer
}

// parseRELPFrame parses one frame at the start of p. It returns the frame and its length, 0 when p holds only a
// prefix of a frame, or an error when p cannot start a valid frame.
func parseRELPFrame(p []byte) (relpFrame, int, error) {
	var f relpFrame
	i := 0
	num := func(what string) (int, error) {
		start := i
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			i++
			if i-start > 9 {
				return 0, fmt.Errorf("%w: %s longer than 9 digits", errRELPProtocol, what)
			}
		}
		if i == len(p) {
			return -1, nil
		}
		if i == start {
			return 0, fmt.Errorf("%w: %s is not a number (byte %q)", errRELPProtocol, what, p[i])
		}
		n, _ := strconv.Atoi(string(p[start:i]))
		return n, nil
	}
	txnr, err := num("transaction number")
	if err != nil || txnr < 0 {
		return f, 0, err
	}
	if p[i] != ' ' {
		return f, 0, fmt.Errorf("%w: byte %q after the transaction number", errRELPProtocol, p[i])
	}
	i++
	start := i
	for i < len(p) && (p[i] >= 'a' && p[i] <= 'z' || p[i] >= 'A' && p[i] <= 'Z') {
		i++
		if i-start > 32 {
			return f, 0, fmt.Errorf("%w: command longer than 32 letters", errRELPProtocol)
		}
	}
	if i == len(p) {
		return f, 0, nil
	}
	if i == start || p[i] != ' ' {
		return f, 0, fmt.Errorf("%w: bad command (byte %q)", errRELPProtocol, p[i])
	}
	var cmd string
	switch c := p[start:i]; string(c) { // no allocation for the commands a server sends
	case "rsp":
		cmd = "rsp"
	case "serverclose":
		cmd = "serverclose"
	default:
		cmd = string(c)
	}
	i++
	n, err := num("data length")
	if err != nil || n < 0 {
		return f, 0, err
	}
	if n > relpMaxResponse {
		return f, 0, fmt.Errorf("%w: data length %d over %d", errRELPProtocol, n, relpMaxResponse)
	}
	switch {
	case p[i] == '\n' && n == 0:
		f.txnr, f.command = txnr, cmd
		return f, i + 1, nil
	case p[i] != ' ':
		return f, 0, fmt.Errorf("%w: byte %q after the data length", errRELPProtocol, p[i])
	}
	i++
	if len(p) < i+n+1 {
		return f, 0, nil
	}
	if p[i+n] != '\n' {
		return f, 0, fmt.Errorf("%w: frame trailer %q, want LF", errRELPProtocol, p[i+n])
	}
	f.txnr, f.command, f.data = txnr, cmd, p[i:i+n]
	return f, i + n + 1, nil
}

// appendRELPFrame appends one frame.
func appendRELPFrame(dst []byte, txnr int, command string, data []byte) []byte {
	dst = strconv.AppendInt(dst, int64(txnr), 10)
	dst = append(dst, ' ')
	dst = append(dst, command...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(len(data)), 10)
	if len(data) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, data...)
	}
	return append(dst, '\n')
}

// nextTxnr returns the transaction number after t: 1..999999999, wrapping to 1.
func nextTxnr(t int) int {
	if t >= relpMaxTxnr {
		return 1
	}
	return t + 1
}

// relpStatus splits rsp data "200 OK[\n…]" into the code and the text of its first line.
func relpStatus(data []byte) (int, string, error) {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	code, text, _ := bytes.Cut(line, []byte{' '})
	if len(code) != 3 || code[0] < '1' || code[0] > '9' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9' {
		return 0, "", fmt.Errorf("%w: response %q has no status code", errRELPProtocol, truncate(line, 80))
	}
	n := int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if n == 200 {
		return n, "", nil // the text is not used: no allocation per acknowledged frame
	}
	return n, string(text), nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// relpSession is the RELP state of one connection.
type relpSession struct {
	next int    // transaction number of the next command
	rbuf []byte // bytes read and not yet parsed: rbuf[roff:]
	roff int
	wbuf []byte
}

// readFrame returns the next frame from the server, reading from nc as needed (under the read deadline the caller
// set).
func (s *relpSession) readFrame(nc net.Conn) (relpFrame, error) {
	for {
		f, n, err := parseRELPFrame(s.rbuf[s.roff:])
		if err != nil {
			return f, err
		}
		if n > 0 {
			s.roff += n
			return f, nil
		}
		if err := s.fill(nc); err != nil {
			return f, err
		}
	}
}

// buffered reports whether unparsed bytes are waiting.
func (s *relpSession) buffered() bool { return s.roff < len(s.rbuf) }

// fill reads more bytes from nc, compacting the buffer first.
func (s *relpSession) fill(nc net.Conn) error {
	if s.roff > 0 {
		s.rbuf = s.rbuf[:copy(s.rbuf, s.rbuf[s.roff:])]
		s.roff = 0
	}
	if len(s.rbuf) >= relpMaxHeader+relpMaxResponse+1 {
		return fmt.Errorf("%w: no frame in %d bytes", errRELPProtocol, len(s.rbuf))
	}
	if cap(s.rbuf)-len(s.rbuf) < 4096 {
		s.rbuf = append(s.rbuf, make([]byte, 16<<10)...)[:len(s.rbuf)]
	}
	n, err := nc.Read(s.rbuf[len(s.rbuf):cap(s.rbuf)])
	s.rbuf = s.rbuf[:len(s.rbuf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("relp: connection closed by the server: %w", err)
	}
	return fmt.Errorf("relp read: %w", err)
}

// open starts the session: our offers, the server's 200 answer, and a check that it accepts the syslog command.
func (s *relpSession) open(ctx context.Context, nc net.Conn) error {
	s.next = 1
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(DefaultDialTimeout)
	}
	txnr := s.next
	s.next = nextTxnr(s.next)
	s.wbuf = appendRELPFrame(s.wbuf[:0], txnr, "open", []byte(relpOffers))
	if err := nc.SetDeadline(dl); err != nil {
		return err
	}
	defer nc.SetDeadline(time.Time{}) //nolint:errcheck // a failure shows up on the next I/O
	if _, err := nc.Write(s.wbuf); err != nil {
		return fmt.Errorf("relp open: %w", err)
	}
	for {
		f, err := s.readFrame(nc)
		if err != nil {
			return fmt.Errorf("relp open: %w", err)
		}
		if f.command == "serverclose" {
			return fmt.Errorf("relp open: %w", errServerClose)
		}
		if f.command != "rsp" || f.txnr != txnr {
			return fmt.Errorf("relp open: %w: got %q for transaction %d, want rsp for %d", errRELPProtocol, f.command, f.txnr, txnr)
		}
		code, text, err := relpStatus(f.data)
		if err != nil {
			return fmt.Errorf("relp open: %w", err)
		}
		if code != 200 {
			return &RELPRefusedError{Command: "open", Code: code, Text: text}
		}
		for line := range bytes.SplitSeq(f.data, []byte{'\n'}) {
			if cmds, ok := bytes.CutPrefix(line, []byte("commands=")); ok {
				found := false
				for c := range bytes.SplitSeq(cmds, []byte{','}) {
					found = found || string(bytes.TrimSpace(c)) == "syslog"
				}
				if !found {
					return Permanent(fmt.Errorf("relp open: the server does not offer the syslog command (commands=%s)", cmds))
				}
			}
		}
		return nil
	}
}

// send writes the batch's frames as syslog commands, at most window unanswered at a time, and returns nil when
// every one was answered 200. Each blocking read or write makes progress within writeTimeout (and ctx).
func (s *relpSession) send(ctx context.Context, nc net.Conn, b *message.Batch, window int, writeTimeout time.Duration) error {
	g := newIOGuard(ctx, nc, writeTimeout)
	defer g.stop()
	wrap := g.wrap
	n := b.Len()
	sent, acked := 0, 0
	oldest := s.next // transaction number of frame acked
	start := 0       // offset of frame sent in b.Buf
	for acked < n {
		if sent < n && sent-acked < window {
			s.wbuf = s.wbuf[:0]
			for sent < n && sent-acked < window && len(s.wbuf) < writeChunk {
				end := b.Ends[sent]
				s.wbuf = appendRELPFrame(s.wbuf, s.next, "syslog", b.Buf[start:end])
				s.next = nextTxnr(s.next)
				start = end
				sent++
			}
			if err := g.arm(); err != nil {
				return err
			}
			if _, err := nc.Write(s.wbuf); err != nil {
				werr := wrap(fmt.Errorf("relp write (%d of %d frames acknowledged): %w", acked, n, err))
				if cause := s.lastWord(g, nc, oldest, acked, n); cause != nil {
					return fmt.Errorf("%w; then %w", cause, werr)
				}
				return werr
			}
			if sent < n && sent-acked < window && !s.buffered() {
				continue // room in the window: keep writing, answers wait in the socket
			}
		}
		// The window is full or everything is written: wait for at least one answer, then take every answer
		// already buffered.
		for first := true; acked < n && (first || s.buffered()); first = false {
			if err := g.arm(); err != nil {
				return err
			}
			f, err := s.readFrame(nc)
			if err != nil {
				return wrap(fmt.Errorf("after %d of %d frames acknowledged: %w", acked, n, err))
			}
			if err := answer(f, oldest, acked, n); err != nil {
				return err
			}
			oldest = nextTxnr(oldest)
			acked++
		}
	}
	return nil
}

// answer checks the server's frame f against the oldest unanswered syslog command (transaction oldest, frame acked
// of n): nil for its 200 answer, else why the batch failed.
func answer(f relpFrame, oldest, acked, n int) error {
	switch {
	case f.command == "serverclose":
		return fmt.Errorf("after %d of %d frames acknowledged: %w", acked, n, errServerClose)
	case f.command != "rsp" || f.txnr != oldest:
		return fmt.Errorf("%w: got %q for transaction %d, want rsp for %d", errRELPProtocol, f.command, f.txnr, oldest)
	}
	code, text, err := relpStatus(f.data)
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("frame %d of %d: %w", acked, n, &RELPRefusedError{Command: "syslog", Code: code, Text: text})
	}
	return nil
}

// relpLastWordWait bounds lastWord.
const relpLastWordWait = 100 * time.Millisecond

// lastWord reads, after a failed write, what the server answered before the connection broke, for at most
// relpLastWordWait, and returns the first answer that fails the batch (serverclose, a refusal, a protocol error),
// or nil when there is none. A server that ends a session says why before it closes the socket, and closing with
// our frames unread resets the connection, so the write fails with a reset while the reason is still waiting in
// the socket; the reason tells an operator more.
func (s *relpSession) lastWord(g *ioGuard, nc net.Conn, oldest, acked, n int) error {
	if g.armWithin(relpLastWordWait) != nil {
		return nil
	}
	for acked < n {
		f, err := s.readFrame(nc)
		if err != nil {
			return nil
		}
		if err := answer(f, oldest, acked, n); err != nil {
			return err
		}
		oldest = nextTxnr(oldest)
		acked++
	}
	return nil
}

// closeSession ends the session politely: close, its answer (bounded by wait), then the caller closes the socket.
func (s *relpSession) closeSession(nc net.Conn, wait time.Duration) {
	dl := time.Now().Add(wait)
	s.wbuf = appendRELPFrame(s.wbuf[:0], s.next, "close", nil)
	txnr := s.next
	s.next = nextTxnr(s.next)
	_ = nc.SetDeadline(dl)
	if _, err := nc.Write(s.wbuf); err != nil {
		return
	}
	for {
		f, err := s.readFrame(nc)
		if err != nil || f.command == "rsp" && f.txnr == txnr {
			return
		}
	}
}
