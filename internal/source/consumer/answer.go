package consumer

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/logsample"
)

// Every SLS answer is checked before anything acts on it: the SDK trusts the x-log-* headers of a PullLogs answer
// (it allocates x-log-bodyrawsize bytes, panicking on a negative size, and hands an empty list to Process when the
// size is 0 whatever the body holds), and reads every body to its end without a bound. A bad answer becomes an
// error of the pull, which the SDK retries with its backoff; the shard's checkpoint cannot move past it.

// Reasons a PullLogs answer is refused: the label of siemship_sls_bad_answers_total.
const (
	ReasonHeader     = "header"     // a required x-log-* header is missing, not a number, or out of range
	ReasonCursor     = "cursor"     // x-log-cursor does not follow from the request's cursor and x-log-count
	ReasonTooLarge   = "too_large"  // more data than the memory budget for pulled batches allows
	ReasonBody       = "body"       // a body longer or shorter than announced, or unreadable
	ReasonDecompress = "decompress" // lz4 or zstd failed, or produced another size than x-log-bodyrawsize
	ReasonProtobuf   = "protobuf"   // not a LogGroupList (truncated, wrong wire types)
	ReasonCount      = "count"      // x-log-count differs from the log groups in the body
	ReasonStatus     = "status"     // not an SLS answer at all: a redirect
)

// BadAnswerReasons lists the Reason constants.
var BadAnswerReasons = []string{ReasonHeader, ReasonCursor, ReasonTooLarge, ReasonBody, ReasonDecompress, ReasonProtobuf,
	ReasonCount, ReasonStatus}

// BadAnswerError is a PullLogs answer siemship refused.
type BadAnswerError struct {
	Shard  int
	Reason string // one of the Reason constants
	Err    error
}

func (e *BadAnswerError) Error() string {
	return fmt.Sprintf("shard %d: refused PullLogs answer (%s): %v", e.Shard, e.Reason, e.Err)
}

func (e *BadAnswerError) Unwrap() error { return e.Err }

func badAnswer(shard int, reason string, format string, args ...any) *BadAnswerError {
	return &BadAnswerError{Shard: shard, Reason: reason, Err: fmt.Errorf(format, args...)}
}

// BadAnswerObserver is an optional extension of Observer, told about every refused PullLogs answer.
type BadAnswerObserver interface {
	BadAnswer(shard int, reason string)
}

// maxAnswerBytes bounds the body of every SLS answer but a successful PullLogs: JSON lists of shards, checkpoints
// and consumers, or an error, a few kilobytes even for a thousand shards.
const maxAnswerBytes = 4 << 20

// minPullBytes is the least a pull may hold whatever the budget, so that a tiny budget (tests) still lets the
// emulator's pulls through; SIEMSHIP_MEMORY_LIMIT's minimum gives a budget above it anyway.
const minPullBytes = 16 << 20

// maxPullBytes is the most a pull may need (decompressed data plus the records' headers, arena.need) before it is
// refused: the whole budget for pulled batches, or 512 MiB when there is no budget (tests and tools).
func maxPullBytes(budget int64) int64 {
	if budget <= 0 {
		return 512 << 20
	}
	return max(budget, minPullBytes)
}

// bodyBound is the longest compressed body of rawSize bytes: lz4 and zstd grow incompressible data by less than
// 1/128 plus a few bytes of framing.
func bodyBound(rawSize int) int64 { return int64(rawSize) + int64(rawSize)/128 + 1024 }

// pullAnswer is what the headers of a successful PullLogs answer say, checked.
type pullAnswer struct {
	next     string // x-log-cursor
	count    int    // x-log-count: log groups in the body
	rawSize  int    // x-log-bodyrawsize: decompressed size
	compress string // x-log-compresstype
}

// checkPullHeaders checks the headers of a 200 answer to a pull of shard at cursor that asked for at most
// requested groups (0: unknown), with a query (SPL) or not, whose decompressed data may be at most maxRaw bytes.
func checkPullHeaders(h http.Header, shard int, cursor string, requested int, query bool, maxRaw int64) (pullAnswer, error) {
	var a pullAnswer
	a.next = h.Get("X-Log-Cursor")
	if a.next == "" {
		return a, badAnswer(shard, ReasonHeader, "no x-log-cursor")
	}
	var err error
	if a.count, err = headerInt(h, "X-Log-Count"); err != nil {
		return a, badAnswer(shard, ReasonHeader, "%w", err)
	}
	if requested > 0 && a.count > requested {
		return a, badAnswer(shard, ReasonHeader, "x-log-count %d, but at most %d log groups were asked for", a.count, requested)
	}
	if a.rawSize, err = headerInt(h, "X-Log-Bodyrawsize"); err != nil {
		return a, badAnswer(shard, ReasonHeader, "%w", err)
	}
	if a.rawSize == 0 && a.count > 0 {
		return a, badAnswer(shard, ReasonHeader, "x-log-count %d with x-log-bodyrawsize 0", a.count)
	}
	if int64(a.rawSize) > maxRaw {
		return a, badAnswer(shard, ReasonTooLarge, "x-log-bodyrawsize %d is more than the %d bytes the memory budget "+
			"for pulled batches allows (lower SLS_MAX_FETCH_LOG_GROUPS or raise SIEMSHIP_MEMORY_LIMIT)", a.rawSize, maxRaw)
	}
	a.compress = h.Get("X-Log-Compresstype")
	if a.rawSize > 0 && a.compress != "lz4" && a.compress != "zstd" {
		return a, badAnswer(shard, ReasonHeader, "x-log-compresstype %q is not lz4 or zstd", a.compress)
	}
	if err := checkCursors(cursor, a.next, a.count, query); err != nil {
		return a, badAnswer(shard, ReasonCursor, "%w", err)
	}
	return a, nil
}

// headerInt reads a header that must hold a non-negative decimal integer.
func headerInt(h http.Header, name string) (int, error) {
	v := h.Get(name)
	if v == "" {
		return 0, fmt.Errorf("no %s", strings.ToLower(name))
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q is not a non-negative integer", strings.ToLower(name), truncate(v, 40))
	}
	return n, nil
}

// checkCursors checks that the next cursor follows from the request's: SLS numbers a shard's log groups
// consecutively and a cursor is base64 of that number, so reading count groups moves it by exactly count (with
// a query, by at least the count of groups that passed it). A cursor that moves further would skip data; one that
// moves back would deliver it twice. Cursors that are not in that form are taken as they are.
func checkCursors(cursor, next string, count int, query bool) error {
	from, ok1 := cursorValue(cursor)
	to, ok2 := cursorValue(next)
	if !ok1 || !ok2 {
		return nil
	}
	switch d := to - from; {
	case d < 0:
		return fmt.Errorf("x-log-cursor %q is before the request's cursor %q", next, cursor)
	case query && d < int64(count):
		return fmt.Errorf("x-log-cursor %q is %d log groups after the request's cursor %q, less than x-log-count %d", next, d, cursor, count)
	case !query && d != int64(count):
		return fmt.Errorf("x-log-cursor %q is %d log groups after the request's cursor %q, but x-log-count is %d", next, d, cursor, count)
	}
	return nil
}

// cursorValue decodes a cursor of the form SLS uses, base64 of a decimal integer.
func cursorValue(c string) (int64, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// readPullBody reads and closes the body of a pull answer of rawSize decompressed bytes into buf's array when it
// is large enough (the slot's previous batch is done with), refusing a body longer than rawSize can compress to
// or than room, the memory left for it.
func readPullBody(resp *http.Response, shard, rawSize int, room int64, buf []byte) ([]byte, error) {
	defer resp.Body.Close()
	limit := bodyBound(rawSize)
	if rawSize == 0 {
		limit = 0
	}
	if n := resp.ContentLength; n > limit {
		return nil, badAnswer(shard, ReasonBody, "Content-Length %d for x-log-bodyrawsize %d (at most %d)", n, rawSize, limit)
	}
	if limit > room {
		if n := resp.ContentLength; n > room {
			return nil, badAnswer(shard, ReasonTooLarge, "a body of %d bytes for x-log-bodyrawsize %d is more than the "+
				"memory budget for pulled batches allows (lower SLS_MAX_FETCH_LOG_GROUPS or raise SIEMSHIP_MEMORY_LIMIT)", n, rawSize)
		}
		limit = room
	}
	if n := resp.ContentLength; n >= 0 {
		if int64(cap(buf)) < n {
			buf = make([]byte, n, headroom(int(n)))
		}
		buf = buf[:n]
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, badAnswer(shard, ReasonBody, "read body: %w", err)
		}
		return buf, nil
	}
	// Length unknown (chunked): read one byte past the bound to notice a longer body.
	buf, err := readAllInto(io.LimitReader(resp.Body, limit+1), buf[:0])
	if err != nil {
		return nil, badAnswer(shard, ReasonBody, "read body: %w", err)
	}
	if int64(len(buf)) > limit {
		return nil, badAnswer(shard, ReasonBody, "body longer than %d bytes for x-log-bodyrawsize %d", limit, rawSize)
	}
	return buf, nil
}

// readAllInto is io.ReadAll appending to buf.
func readAllInto(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// answerGuard sits under every SLS request siemship makes (the SDK's client, the consumer library's, `check`'s):
// it refuses redirects (an SLS endpoint never redirects; following one would send signed requests elsewhere) and
// bounds the body of every answer but a successful PullLogs, which pullTransport reads with its own bound. A
// longer body makes the reader fail instead of growing memory.
//
// It also enforces the client's timeout, per request and until the body is closed: for a RoundTripper it does not
// know, http.Client enforces Timeout with one goroutine per request that lives until the body is closed, and the
// SDK leaves some bodies open.
type answerGuard struct {
	next    http.RoundTripper
	maxPull int64         // bound of a successful PullLogs body, checked again more tightly by pullTransport
	timeout time.Duration // per request, body included; 0: none
}

// errAnswerTooLong is the read error of an answer body longer than its bound.
var errAnswerTooLong = errors.New("sls answer body longer than siemship accepts")

func (g *answerGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	cancel := context.CancelFunc(func() {})
	if g.timeout > 0 {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(req.Context(), g.timeout)
		req = req.WithContext(ctx)
	}
	resp, err := g.guard(req)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

func (g *answerGuard) guard(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	pr, pull := pullRequest(req)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		err := fmt.Errorf("sls answered %s with a redirect to %q; siemship does not follow redirects (check SLS_ENDPOINT)",
			resp.Status, truncate(resp.Header.Get("Location"), 200))
		if pull {
			return nil, &BadAnswerError{Shard: pr.shard, Reason: ReasonStatus, Err: err}
		}
		return nil, err
	}
	limit := int64(maxAnswerBytes)
	if pull && resp.StatusCode == http.StatusOK {
		limit = bodyBound(int(g.maxPull))
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		err := fmt.Errorf("%w: Content-Length %d, at most %d (%s)", errAnswerTooLong, resp.ContentLength, limit, resp.Status)
		if pull {
			return nil, &BadAnswerError{Shard: pr.shard, Reason: ReasonBody, Err: err}
		}
		return nil, err
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: limit}
	return resp, nil
}

// boundedBody fails a read once more than left bytes came.
type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body that ends exactly at the bound from a longer one.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, errAnswerTooLong
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// guardClient returns a copy of hc whose transport is wrapped in an answerGuard, which takes over hc's Timeout.
func guardClient(hc *http.Client, maxPull int64) *http.Client {
	w := *hc
	next := w.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	w.Transport = &answerGuard{next: next, maxPull: maxPull, timeout: w.Timeout}
	w.Timeout = 0
	return &w
}

// ClientWithTimeout returns a copy of hc (one of the consumer's clients) whose requests time out after d.
func ClientWithTimeout(hc *http.Client, d time.Duration) *http.Client {
	w := *hc
	if g, ok := w.Transport.(*answerGuard); ok {
		ng := *g
		ng.timeout = d
		w.Transport = &ng
		return &w
	}
	w.Timeout = d
	return &w
}

// requestTimeout is the per-request timeout of a client built by guardClient (or hc.Timeout).
func requestTimeout(hc *http.Client) time.Duration {
	if g, ok := hc.Transport.(*answerGuard); ok && hc.Timeout == 0 {
		return g.timeout
	}
	return hc.Timeout
}

// truncate cuts s to at most n bytes, for error messages that quote what a server sent.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// badAnswerLog samples the warnings about refused answers: a server sending bad answers is retried every few
// seconds per shard for as long as it lasts, so a line every badAnswerLogEvery, with the count, is enough.
type badAnswerLog struct{ logsample.Sampler }

const badAnswerLogEvery = 10 * time.Second

// badAnswer counts a refused answer and logs it, sampled.
func (c *Consumer) badAnswer(e *BadAnswerError) {
	if obs, ok := c.opts.Observer.(BadAnswerObserver); ok {
		obs.BadAnswer(e.Shard, e.Reason)
	}
	if c.badAnswers.Every == 0 {
		return // not built by New (tests of the transport alone)
	}
	if n, ok := c.badAnswers.Allow(1); ok {
		c.log.Warn("refused an SLS PullLogs answer; the pull is retried with backoff and the checkpoint stays where it is",
			zap.Int("shard", e.Shard), zap.String("reason", e.Reason), zap.Error(e.Err), zap.Uint64("refused_since_last_line", n))
	}
}
