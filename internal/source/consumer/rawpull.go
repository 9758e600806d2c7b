package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/membudget"
	"github.com/siemship/siemship/internal/record"
)

// The consumer library pulls with PullLogsWithQuery, which decodes the whole LogGroupList with gogo protobuf: two
// allocations and a copy per key and value, more CPU than everything else siemship does with a record. The library
// offers no hook for the raw bytes, so pullTransport sits under its HTTP client instead: it decompresses a
// successful PullLogs response itself, walks the protobuf without copying (arena.walk), keeps the result for
// Process under the shard's number and hands the library the same response with an empty body
// (x-log-bodyrawsize 0). The library then sees an empty list with the real cursor and count headers, and does
// everything else (group membership, pacing, checkpoints) as before. Whatever the walk cannot handle (another
// compression, a malformed body) is passed through unchanged for the SDK to decode or report.

// pulled is a batch decoded by pullTransport, waiting for Process.
type pulled struct {
	cursor string // the request's cursor: Process checks it against the tracker's current cursor
	groups []record.Group
	raw    []byte                   // what the strings in groups point into
	lease  *membudget.Lease[*arena] // holds groups and raw; released when the batch is done with; nil when empty
}

// release frees the batch's slot and memory, if it holds any.
func (p *pulled) release() {
	if p != nil && p.lease != nil {
		p.lease.Release()
	}
}

// pullStash holds at most one pulled batch per shard (the library pulls a shard again only after Process
// returned) and the pool that bounds the pulled batches held at once, in number (a pull waits for a free slot
// before it is sent) and in bytes (it waits for its decompressed size once the response headers announce it), so
// that memory grows neither with the number of shards nor with the size of a pull.
type pullStash struct {
	pool *membudget.Pool[*arena]

	mu sync.Mutex
	m  map[int]*pulled
}

func newPullStash(slots int, maxBytes int64) *pullStash {
	return &pullStash{pool: membudget.New(maxBytes, slots, newArena, (*arena).size), m: map[int]*pulled{}}
}

func newArena() *arena { return &arena{} }

// errNoSlot is why a pull waited in vain for a free slot or for memory (until the request's timeout): delivery is
// slower than pulling. At shutdown the holders free their slots (Process returns ErrStopping, then Shutdown drops
// the batch).
var errNoSlot = errors.New("every pulled-batch slot is busy or the pulled-data memory budget is spent")

// acquire waits for a free slot.
func (s *pullStash) acquire(ctx context.Context) (*membudget.Lease[*arena], error) {
	l, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoSlot, err)
	}
	return l, nil
}

func (s *pullStash) put(shard int, p *pulled) {
	s.mu.Lock()
	old := s.m[shard]
	s.m[shard] = p
	s.mu.Unlock()
	old.release()
}

func (s *pullStash) get(shard int) (*pulled, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[shard]
	return p, ok
}

// drop ends the shard's pulled batch, if any, and frees its slot and memory.
func (s *pullStash) drop(shard int) {
	s.mu.Lock()
	p := s.m[shard]
	delete(s.m, shard)
	s.mu.Unlock()
	p.release()
}

// clear drops every batch.
func (s *pullStash) clear() {
	s.mu.Lock()
	m := s.m
	s.m = map[int]*pulled{}
	s.mu.Unlock()
	for _, p := range m {
		p.release()
	}
}

type pullTransport struct {
	next    http.RoundTripper
	c       *Consumer
	timeout time.Duration // per request, body included; replaces http.Client.Timeout (see newPullTransport)

	// perRaw is the memory a pulled batch holds per byte of decompressed data, in 1/1024 (the data itself, the
	// records' headers, the compressed body until it is decompressed), learned from the previous batch; it sizes
	// the reservation made before the body is read.
	perRaw   atomic.Int64
	oversize atomic.Bool // a pull larger than the whole budget was logged

	zstdOnce sync.Once
	zstd     *zstd.Decoder // created on the first zstd response; DecodeAll is safe for concurrent use
	zstdErr  error
}

// wrapClient returns a copy of hc whose transport is a pullTransport. The copy's own Timeout is moved into the
// transport: for a RoundTripper it does not know, http.Client enforces Timeout with one goroutine per request
// that lives until the response body is closed, and the SDK leaves some bodies open.
func wrapClient(hc *http.Client, c *Consumer) *http.Client {
	w := *hc
	next := w.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	w.Transport = &pullTransport{next: next, c: c, timeout: requestTimeout(hc)}
	w.Timeout = 0
	return &w
}

func (t *pullTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	// The SDK calls this from its shard and heartbeat goroutines: a panic here would end a shard's worker (the SDK
	// recovers it and stops the shard) or the process. Whatever the answer, it becomes an error of the request.
	cancel := context.CancelFunc(func() {})
	defer func() {
		if r := recover(); r != nil {
			cancel()
			t.c.log.Error("panic while handling an SLS request; the request fails and is retried",
				zap.String("path", req.URL.Path), zap.Any("panic", r), zap.Stack("stack"))
			resp, err = nil, fmt.Errorf("sls request %s: internal error: %v", req.URL.Path, r)
		}
	}()
	if t.timeout <= 0 {
		return t.roundTrip(req)
	}
	var ctx context.Context
	ctx, cancel = context.WithTimeout(req.Context(), t.timeout)
	resp, err = t.roundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases the request's timeout when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (t *pullTransport) roundTrip(req *http.Request) (*http.Response, error) {
	pr, ok := pullRequest(req)
	if !ok {
		switch hb, cpShard, cp := groupRequest(req); {
		case hb:
			return t.heartbeat(req)
		case cp && !t.c.lease.holds(cpShard, time.Now()):
			t.c.log.Warn("not saving a checkpoint for a shard this consumer may no longer hold", zap.Int("shard", cpShard))
			return notHeld(req, cpShard), nil
		}
		return t.next.RoundTrip(req)
	}
	shard := pr.shard
	st := t.c.pulled
	st.drop(shard) // whatever this pull returns, the previous batch of the shard is done with
	if err := t.c.pullBackoff.wait(req.Context(), shard); err != nil {
		return nil, fmt.Errorf("shard %d: %w", shard, err)
	}
	l, err := st.acquire(req.Context())
	if err != nil {
		return nil, fmt.Errorf("shard %d: %w", shard, err)
	}
	resp, err := t.pull(req, pr, l)
	if err != nil {
		l.Release()
		t.c.pullBackoff.failed(shard)
		var bad *BadAnswerError
		if errors.As(err, &bad) {
			t.c.badAnswer(bad)
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		t.c.pullBackoff.failed(shard)
	} else {
		t.c.pullBackoff.succeeded(shard)
	}
	return resp, nil
}

// pull sends a PullLogs request holding the slot l and checks the answer. A successful pull is decoded and stashed
// for Process (the slot goes with it) and the SDK gets the same answer with an empty body; an SLS error answer is
// handed on as it is, with l released. An answer that fails a check is an error (l is the caller's to release).
func (t *pullTransport) pull(req *http.Request, pr pullReq, l *membudget.Lease[*arena]) (*http.Response, error) {
	shard := pr.shard
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		l.Release()
		if invalidCursor(resp) {
			return t.expired(req, resp, shard, pr.cursor), nil
		}
		return resp, nil
	}
	st := t.c.pulled
	maxRaw := maxPullBytes(st.pool.Max())
	a, err := checkPullHeaders(resp.Header, shard, pr.cursor, pr.count, pr.query, maxRaw)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if a.rawSize == 0 {
		// Nothing pulled (caught up): the SDK reads the headers only.
		if _, err := readPullBody(resp, shard, 0, 0, nil); err != nil {
			return nil, err
		}
		l.Release()
		st.put(shard, &pulled{cursor: pr.cursor})
		resp.Body, resp.ContentLength = http.NoBody, 0
		return resp, nil
	}
	// The headers announce the decompressed size: wait for that much memory before the body is read.
	est := t.estimate(a.rawSize, resp.ContentLength)
	if err := l.Reserve(req.Context(), est); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("shard %d: %w: %w", shard, errNoSlot, err)
	}
	if budget := st.pool.Max(); est > budget && t.oversize.CompareAndSwap(false, true) {
		t.c.log.Warn("a pull needs more memory than the budget for pulled data; such pulls are processed alone "+
			"(lower SLS_MAX_FETCH_LOG_GROUPS or raise SIEMSHIP_MEMORY_LIMIT); logged once",
			zap.Int("shard", shard), zap.Int64("bytes", est), zap.Int64("budget", budget))
	}
	ar := l.Item()
	// The body, the decompressed data and the records' headers together must fit maxRaw.
	body, err := readPullBody(resp, shard, a.rawSize, maxRaw-int64(a.rawSize), ar.body)
	if err != nil {
		return nil, err
	}
	ar.body = body
	raw, err := t.decompress(a.compress, body, a.rawSize, ar.raw)
	if err != nil {
		return nil, badAnswer(shard, ReasonDecompress, "%w", err)
	}
	ar.raw = raw
	groups, err := ar.walkWithin(raw, walkLimits{groups: a.count, bytes: maxRaw - int64(len(body))})
	var tooLarge *tooLargeError
	switch {
	case errors.As(err, &tooLarge):
		return nil, badAnswer(shard, ReasonTooLarge, "%w (lower SLS_MAX_FETCH_LOG_GROUPS or raise SIEMSHIP_MEMORY_LIMIT)", err)
	case errors.Is(err, errTooManyGroups):
		return nil, badAnswer(shard, ReasonCount, "x-log-count %d, but the body holds more log groups", a.count)
	case err != nil:
		return nil, badAnswer(shard, ReasonProtobuf, "%w", err)
	case len(groups) != a.count:
		return nil, badAnswer(shard, ReasonCount, "x-log-count %d, but the body holds %d log groups", a.count, len(groups))
	}
	l.Resize() // what the batch really holds
	t.learn(a.rawSize, ar)
	st.put(shard, &pulled{cursor: pr.cursor, groups: groups, raw: raw, lease: l})
	resp.Header.Set("X-Log-Bodyrawsize", "0")
	resp.Body = http.NoBody
	resp.ContentLength = 0
	return resp, nil
}

// defaultPerRaw is perRaw before the first batch: about one 32-byte field header per 30 bytes of data (typical of
// access and audit logs), so records' headers as large as the data, plus the data and a quarter for the body.
const defaultPerRaw = 2300

// estimate is the memory to reserve for a pull of rawSize decompressed bytes whose body has bodySize bytes (-1 when
// unknown).
func (t *pullTransport) estimate(rawSize int, bodySize int64) int64 {
	per := t.perRaw.Load()
	if per <= 0 {
		per = defaultPerRaw
	}
	n := int64(rawSize) * per / 1024
	if bodySize > 0 {
		n += bodySize
	}
	return n
}

// learn records how much memory a walked batch of rawSize bytes needed, for the next estimate.
func (t *pullTransport) learn(rawSize int, a *arena) {
	t.perRaw.Store(max(a.need()*1024/int64(rawSize), 1024))
}

// decompress decompresses into dst's array when it is large enough: the slot's previous batch is done with by the
// time the slot is acquired again, so its buffer can be overwritten.
func (t *pullTransport) decompress(typ string, body []byte, rawSize int, dst []byte) ([]byte, error) {
	out := dst[:0]
	if cap(out) < rawSize {
		out = make([]byte, rawSize, headroom(rawSize))
	}
	out = out[:rawSize]
	switch typ {
	case "lz4":
		n, err := lz4.UncompressBlock(body, out)
		if err != nil {
			return nil, fmt.Errorf("lz4: %w", err)
		}
		if n != rawSize {
			return nil, fmt.Errorf("lz4: %d bytes, header said %d", n, rawSize)
		}
		return out, nil
	default:
		t.zstdOnce.Do(func() {
			// Low memory: no background goroutines, at most two blocks decoded at once.
			t.zstd, t.zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(2), zstd.WithDecoderLowmem(true))
		})
		if t.zstdErr != nil {
			return nil, fmt.Errorf("zstd: %w", t.zstdErr)
		}
		out, err := t.zstd.DecodeAll(body, out[:0])
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		if len(out) != rawSize {
			return nil, fmt.Errorf("zstd: %d bytes, header said %d", len(out), rawSize)
		}
		return out, nil
	}
}

// pullReq is what siemship needs of a PullLogs request.
type pullReq struct {
	shard  int
	cursor string
	count  int  // the most log groups asked for (0: not given)
	query  bool // an SPL query filters the pull: fewer groups than the cursor moves over may come
}

// pullRequest recognises PullLogs: GET /logstores/<logstore>/shards/<id>?type=logs&cursor=...
func pullRequest(req *http.Request) (pullReq, bool) {
	if req.Method != http.MethodGet {
		return pullReq{}, false
	}
	rest, found := strings.CutPrefix(req.URL.Path, "/logstores/")
	if !found {
		return pullReq{}, false
	}
	_, id, found := strings.Cut(rest, "/shards/")
	if !found {
		return pullReq{}, false
	}
	shard, err := strconv.Atoi(id)
	if err != nil {
		return pullReq{}, false
	}
	q := req.URL.Query()
	if q.Get("type") != "logs" || !q.Has("cursor") {
		return pullReq{}, false
	}
	count, _ := strconv.Atoi(q.Get("count"))
	return pullReq{shard: shard, cursor: q.Get("cursor"), count: max(count, 0), query: q.Get("query") != ""}, true
}
