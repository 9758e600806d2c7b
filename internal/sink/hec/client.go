package hec

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/logsample"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/sink"
)

// maxResponseBytes bounds what siemship reads of an answer; HEC's are a few dozen bytes.
const maxResponseBytes = 64 << 10

// Client is the HEC sink. It is safe for concurrent use by all shards.
type Client struct {
	o       Options
	http    *http.Client
	channel string
	ack     atomic.Bool // batches wait for acknowledgement (AckOn, or AckAuto and the token has it)
	// settled says that ack is known: always for AckOn and AckOff, once HEC answered for AckAuto.
	settled  atomic.Bool
	settleMu sync.Mutex
	log      *zap.Logger

	cur    atomic.Uint64 // index of the URL in use, modulo their number
	epochs ackEpochs

	dlMu  sync.Mutex
	dl    *os.File // dead letter, opened by Start
	dlLog logsample.Sampler

	batches, messages, bytes, requests, deadLettered, ackTimeouts, failures atomic.Uint64
	pendingAcks                                                             atomic.Int64
	ackHook                                                                 atomic.Pointer[func(time.Duration)]
	healthMu                                                                sync.Mutex
	health                                                                  sink.Health
}

// New checks o and builds a client. Nothing connects yet.
func New(o Options) (*Client, error) {
	if err := o.withDefaults(); err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = o.TLS
	tr.MaxIdleConnsPerHost = 16
	tr.Proxy = nil // a shipper talks to its SIEM directly; HTTP_PROXY is for the SDK's SLS requests
	c := &Client{o: o, dlLog: logsample.Sampler{Every: 10 * time.Second}, http: &http.Client{Transport: tr, Jar: &stickyJar{}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, channel: newGUID(), log: o.Logger}
	c.ack.Store(o.Ack == AckOn)
	c.settled.Store(o.Ack != AckAuto)
	return c, nil
}

// newGUID returns a random version 4 UUID, the channel of this process.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := fmt.Sprintf("%x", b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Start opens the dead-letter file and settles AckAuto: acknowledgement is on when the token has it. A refused
// token stops here, with an error naming HEC_TOKEN; an unreachable HEC does not: the first batch asks again.
func (c *Client) Start(ctx context.Context) error {
	if err := c.openDeadLetter(); err != nil { // a location siemship cannot write shows now, not at the first refusal
		return err
	}
	if c.o.Ack != AckAuto {
		return nil
	}
	err := c.settleAck(ctx)
	var herr *Error
	if errors.As(err, &herr) && herr.Fix != "" {
		return err
	}
	if err != nil {
		c.log.Warn("HEC_ACK=auto: could not ask HEC whether the token has indexer acknowledgement; the first batch asks again", zap.Error(err))
	}
	return nil
}

// settleAck asks once whether the token has acknowledgement (HEC_ACK=auto).
func (c *Client) settleAck(ctx context.Context) error {
	c.settleMu.Lock()
	defer c.settleMu.Unlock()
	if c.settled.Load() {
		return nil
	}
	on, err := c.tokenHasAck(ctx)
	if err != nil {
		return err
	}
	c.ack.Store(on)
	c.settled.Store(true)
	if !on {
		c.log.Warn("HEC_ACK=auto: the token has indexer acknowledgement disabled, so a batch counts as delivered once HEC accepted it (not once indexed); enable acknowledgement on the token for the stronger confirmation")
	}
	return nil
}

// Shutdown closes the dead-letter file and idle connections.
func (c *Client) Shutdown(context.Context) error {
	c.http.CloseIdleConnections()
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	if c.dl != nil {
		err := c.dl.Close()
		c.dl = nil
		return err
	}
	return nil
}

// OnAck makes f be called with the time from HEC's acceptance of a request to the poll that found it indexed, for
// every acknowledged request (f must be quick; it runs on the sending goroutine).
func (c *Client) OnAck(f func(time.Duration)) { c.ackHook.Store(&f) }

// Framing is none: events are JSON objects, concatenated in a request body.
func (c *Client) Framing() message.Framing { return message.FramingNone }

// Addr is the first URL.
func (c *Client) Addr() string { return c.o.URLs[0] }

// Stats returns the counters.
func (c *Client) Stats() sink.Stats {
	return sink.Stats{Batches: c.batches.Load(), Messages: c.messages.Load(), Bytes: c.bytes.Load(),
		Requests: c.requests.Load(), DeadLettered: c.deadLettered.Load(), AckTimeouts: c.ackTimeouts.Load(),
		PendingAcks: int(c.pendingAcks.Load())}
}

// HECStats are the sink's own counters.
type HECStats struct {
	Requests, DeadLettered, AckTimeouts, Failures uint64
}

// HECStats returns the HEC counters.
func (c *Client) HECStats() HECStats {
	return HECStats{Requests: c.requests.Load(), DeadLettered: c.deadLettered.Load(), AckTimeouts: c.ackTimeouts.Load(),
		Failures: c.failures.Load()}
}

// Health says whether the latest request failed.
func (c *Client) Health() sink.Health {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	return c.health
}

func (c *Client) observe(err error) {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	if err == nil {
		c.health = sink.Health{}
		return
	}
	if !c.health.Failing {
		c.health.Since = time.Now()
	}
	c.health.Failing, c.health.LastErr = true, err
	c.health.Lost++
}

// answer is HEC's JSON reply.
type answer struct {
	Text    string `json:"text"`
	Code    int    `json:"code"`
	AckID   *int64 `json:"ackId"`
	Invalid *int   `json:"invalid-event-number"`
}

// Error is a refusal by HEC.
type Error struct {
	Status int
	Answer answer
	Fix    string // the variable to change, for configuration errors
}

func (e *Error) Error() string {
	s := fmt.Sprintf("hec answered %d: %s (code %d)", e.Status, e.Answer.Text, e.Answer.Code)
	if e.Fix != "" {
		s += ": " + e.Fix
	}
	return s
}

// classify names the fix of a configuration error; "" for a transient one.
func classify(status int, a answer) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "check HEC_TOKEN (missing, invalid or disabled)"
	case status == http.StatusRequestEntityTooLarge:
		return "lower HEC_MAX_REQUEST_BYTES to HEC's max_content_length"
	case status == http.StatusBadRequest && a.Code == 7:
		return "HEC_INDEX is not an index the token may write"
	case status == http.StatusBadRequest && (a.Code == 10 || a.Code == 11):
		return "the token requires a channel: a siemship bug, please report"
	case status == http.StatusBadRequest && a.Code == 14:
		return "the token has indexer acknowledgement disabled: enable it or set HEC_ACK=off"
	}
	return ""
}

// post sends body to path of url and decodes the answer.
func (c *Client) post(ctx context.Context, base, path string, body []byte, gz bool) (int, answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.RequestTimeout)
	defer cancel()
	var rd io.Reader = bytes.NewReader(body)
	if gz {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		_, _ = w.Write(body)
		_ = w.Close()
		rd = &buf
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, rd)
	if err != nil {
		return 0, answer{}, err
	}
	req.Header.Set("Authorization", "Splunk "+c.o.Token)
	req.Header.Set("X-Splunk-Request-Channel", c.channel)
	req.Header.Set("Content-Type", "application/json")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, answer{}, fmt.Errorf("hec %s: %w", base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.StatusCode, answer{}, fmt.Errorf("hec %s: read answer: %w", base, err)
	}
	var a answer
	if len(raw) > 0 && json.Unmarshal(raw, &a) != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, a, fmt.Errorf("hec %s: answer is not HEC's JSON: %.200q", base, raw)
	}
	return resp.StatusCode, a, nil
}

// tokenHasAck asks /services/collector/ack whether the token has acknowledgement.
func (c *Client) tokenHasAck(ctx context.Context) (bool, error) {
	var last error
	for _, u := range c.o.URLs {
		status, a, err := c.post(ctx, u, "/services/collector/ack", []byte(`{"acks":[]}`), false)
		switch {
		case err != nil:
			last = err
			continue
		case status == http.StatusOK:
			return true, nil
		case status == http.StatusBadRequest && a.Code == 14:
			return false, nil
		}
		if fix := classify(status, a); fix != "" {
			return false, &Error{Status: status, Answer: a, Fix: fix}
		}
		last = &Error{Status: status, Answer: a}
	}
	return false, last
}

// Check reaches HEC's health endpoint and validates the token with an empty event request (HEC answers "No data"
// to a valid token).
func (c *Client) Check(ctx context.Context) error {
	var last error
	for _, u := range c.o.URLs {
		err := c.check(ctx, u)
		c.observe(err)
		if err == nil {
			return nil
		}
		last = err
	}
	return last
}

func (c *Client) check(ctx context.Context, base string) error {
	hctx, cancel := context.WithTimeout(ctx, c.o.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, base+"/services/collector/health", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("hec %s: %w", base, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("hec %s: health %d", base, resp.StatusCode)
	}
	status, a, err := c.post(ctx, base, "/services/collector/event", nil, false)
	if err != nil {
		return err
	}
	if status == http.StatusBadRequest && a.Code == 5 || status == http.StatusOK {
		return nil
	}
	return &Error{Status: status, Answer: a, Fix: classify(status, a)}
}

// Send posts every event of b and returns nil once HEC accepted (and, with acknowledgement, indexed) all of
// them, invalid ones written to the dead letter.
func (c *Client) Send(ctx context.Context, b *message.Batch) error {
	err := c.send(ctx, b)
	c.observe(err)
	if err != nil {
		c.failures.Add(1)
		return err
	}
	c.batches.Add(1)
	c.messages.Add(uint64(b.Len()))
	c.bytes.Add(uint64(len(b.Buf)))
	return nil
}

// pendingAck is a request waiting for its acknowledgement.
type pendingAck struct {
	base  string
	id    int64
	epoch uint64    // the base's ackId epoch when the id was handed out
	at    time.Time // when HEC accepted the request
	fence uint64    // once a poll said true: the requests to base started by then (ackEpochs.settled); 0 before
}

// ackEpochs tells, per URL, how often HEC's ackIds started again from 0: a restarted indexer hands out ids it had
// handed out before, and a poll of an old id would then report the new request's status. HEC hands out a
// channel's ids in increasing order, so a request sent after an answer with id Y must get an id above Y: one that
// does not shows a restart and starts a new epoch; acknowledgements pending from an older one count as lost. (An
// id of 0 after higher ones is not enough: answers to concurrent requests arrive in any order.)
type ackEpochs struct {
	mu sync.Mutex
	m  map[string]*ackBase
}

// ackEpoch is a base's epoch and the highest id seen in it (-1 before the first).
type ackEpoch struct {
	epoch uint64
	max   int64
}

// ackBase is the state of one URL: its epoch, and the event requests under way (numbered from 1 as they start),
// whose answers may yet show a restart.
type ackBase struct {
	ackEpoch
	started     uint64
	outstanding map[uint64]struct{}
}

func (e *ackEpochs) baseLocked(base string) *ackBase {
	if e.m == nil {
		e.m = map[string]*ackBase{}
	}
	a := e.m[base]
	if a == nil {
		a = &ackBase{ackEpoch: ackEpoch{max: -1}, outstanding: map[uint64]struct{}{}}
		e.m[base] = a
	}
	return a
}

// begin is called before an event request to base: it returns the epoch as it is (for observe) and the
// request's number (for end).
func (e *ackEpochs) begin(base string) (ackEpoch, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.baseLocked(base)
	a.started++
	a.outstanding[a.started] = struct{}{}
	return a.ackEpoch, a.started
}

// end is called once request post has its answer (after observe) or failed.
func (e *ackEpochs) end(base string, post uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.baseLocked(base).outstanding, post)
}

// fence returns the number of event requests to base started so far.
func (e *ackEpochs) fence(base string) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.baseLocked(base).started
}

// settled reports whether every event request to base numbered up to fence has ended: then any restart their
// answers showed is in the epoch.
func (e *ackEpochs) settled(base string, fence uint64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for n := range e.baseLocked(base).outstanding {
		if n <= fence {
			return false
		}
	}
	return true
}

// observe records the ackId HEC handed out for base to a request begun at before, and returns the epoch it
// belongs to. When another request found a restart while this one was under way, the id is given the epoch of
// before: whether HEC handed it out before or after its restart is unknown, so its acknowledgement counts as lost.
func (e *ackEpochs) observe(base string, id int64, before ackEpoch) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.baseLocked(base)
	switch {
	case a.epoch != before.epoch:
		return before.epoch
	case id <= before.max:
		a.epoch++
		a.max = id
	default:
		a.max = max(a.max, id)
	}
	return a.epoch
}

// current returns base's epoch.
func (e *ackEpochs) current(base string) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.m[base]; a != nil {
		return a.epoch
	}
	return 0
}

func (c *Client) send(ctx context.Context, b *message.Batch) error {
	if !c.settled.Load() {
		if err := c.settleAck(ctx); err != nil {
			return err
		}
	}
	n := b.Len()
	var pending []pendingAck
	ack := c.ack.Load()
	cur := c.cur.Load()
	base := c.o.URLs[int(cur%uint64(len(c.o.URLs)))]
	dead := false
	until, bad := n, -1 // until: the end of the next request at most; bad: an event HEC refused as invalid
	var badStatus int
	var badAnswer answer
	for i := 0; i < n; {
		if i == bad {
			if err := c.deadLetter(b.Frame(i), badStatus, badAnswer); err != nil {
				return err
			}
			dead, bad, until, i = true, -1, n, i+1
			continue
		}
		j := c.pack(b, i, until)
		before, post := c.epochs.begin(base)
		status, a, err := c.postEvents(ctx, base, b, i, j)
		var epoch uint64
		if err == nil && status == http.StatusOK && ack && a.AckID != nil {
			epoch = c.epochs.observe(base, *a.AckID, before)
		}
		c.epochs.end(base, post)
		if err != nil {
			c.cur.CompareAndSwap(cur, cur+1) // the next attempt goes to the next URL
			return err
		}
		switch {
		case status == http.StatusOK:
			if ack && a.AckID != nil {
				pending = append(pending, pendingAck{base: base, id: *a.AckID, epoch: epoch, at: time.Now()})
			}
			i = j
			if i == until {
				until = n
			}
			continue
		case status == http.StatusBadRequest && invalidEvent(a.Code) && a.Invalid != nil && *a.Invalid >= 0 && i+*a.Invalid < j:
			bad = i + *a.Invalid
			badStatus, badAnswer = status, a
			if bad > i && ack {
				// The events before it may be indexed, but without an ackId nothing says so: send them again
				// in their own request (a possible duplicate of each).
				until = bad
			} else {
				i = bad // before it: accepted (no acknowledgement to wait for)
			}
			continue
		}
		if status >= 500 || status == http.StatusTooManyRequests {
			c.cur.CompareAndSwap(cur, cur+1)
		}
		if fix := classify(status, a); fix != "" {
			return &Error{Status: status, Answer: a, Fix: fix}
		}
		return &Error{Status: status, Answer: a}
	}
	if dead {
		if err := c.syncDeadLetter(); err != nil {
			return err
		}
	}
	if len(pending) > 0 {
		return c.waitAcks(ctx, pending)
	}
	return nil
}

// invalidEvent reports whether a 400 with this code refuses one event for what it holds (invalid data format,
// event field missing or blank, indexed fields in error), so that invalid-event-number (0-based) names it. An
// index the token may not write (code 7) is a setting's fault and shared by every event.
func invalidEvent(code int) bool { return code == 6 || code == 12 || code == 13 || code == 15 }

// pack returns the end of the request that starts at frame i: at most until, MaxEvents frames and MaxRequestBytes
// bytes, and at least one frame.
func (c *Client) pack(b *message.Batch, i, until int) int {
	start := frameStart(b, i)
	j := i + 1
	for j < until && j-i < c.o.MaxEvents && b.Ends[j]-start <= c.o.MaxRequestBytes {
		j++
	}
	return j
}

func frameStart(b *message.Batch, i int) int {
	if i == 0 {
		return 0
	}
	return b.Ends[i-1]
}

// postEvents posts frames i..j-1, which lie one after the other in b.Buf.
func (c *Client) postEvents(ctx context.Context, base string, b *message.Batch, i, j int) (int, answer, error) {
	c.requests.Add(1)
	return c.post(ctx, base, "/services/collector/event", b.Buf[frameStart(b, i):b.Ends[j-1]], c.o.Gzip)
}

// waitAcks polls until every pending request is acknowledged, or AckTimeout passes. An ackId a poll reported
// true counts once every event request to its URL that was under way by then has its answer, and the URL's epoch
// is still the id's: one of those answers could show an indexer restart, after which the true may have been a new
// request's with the same id.
func (c *Client) waitAcks(ctx context.Context, pending []pendingAck) error {
	c.pendingAcks.Add(int64(len(pending)))
	defer func() { c.pendingAcks.Add(-int64(len(pending))) }()
	deadline := time.Now().Add(c.o.AckTimeout)
	wait := 5 * time.Millisecond
	for {
		if err := c.checkEpochs(pending); err != nil {
			return err
		}
		for _, base := range bases(pending) {
			if err := c.pollAcks(ctx, base, pending); err != nil {
				return err
			}
		}
		settled := make([]bool, len(pending))
		for i, p := range pending {
			settled[i] = p.fence != 0 && c.epochs.settled(p.base, p.fence)
		}
		if err := c.checkEpochs(pending); err != nil {
			return err
		}
		hook := c.ackHook.Load()
		left := make([]pendingAck, 0, len(pending))
		onlyTrue := true
		for i, p := range pending {
			switch {
			case !settled[i]:
				left = append(left, p)
				onlyTrue = onlyTrue && p.fence != 0
			case hook != nil:
				(*hook)(time.Since(p.at))
			}
		}
		c.pendingAcks.Add(-int64(len(pending) - len(left)))
		pending = left
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			c.ackTimeouts.Add(1)
			return fmt.Errorf("hec: %d requests not acknowledged within HEC_ACK_TIMEOUT (%v); the batch is sent again", len(pending), c.o.AckTimeout)
		}
		d := wait
		if onlyTrue { // indexed: only waiting for other requests' answers, which come within milliseconds
			d = time.Millisecond
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if !onlyTrue {
			wait = min(wait*2, c.o.AckPollMax)
		}
	}
}

// checkEpochs fails when the epoch of a pending ackId's URL moved on: its acknowledgement is lost.
func (c *Client) checkEpochs(pending []pendingAck) error {
	for _, p := range pending {
		if c.epochs.current(p.base) != p.epoch {
			c.ackTimeouts.Add(1)
			return fmt.Errorf("hec %s: its acknowledgement ids started again from 0 (an indexer restart?): the acknowledgements of %d requests are lost; the batch is sent again", p.base, len(pending))
		}
	}
	return nil
}

// pollAcks asks base about the pending ids of it that no poll reported true yet, and fences those it reports true.
func (c *Client) pollAcks(ctx context.Context, base string, pending []pendingAck) error {
	var ids []int64
	for _, p := range pending {
		if p.base == base && p.fence == 0 {
			ids = append(ids, p.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	body, _ := json.Marshal(map[string][]int64{"acks": ids})
	status, _, raw, err := c.postAck(ctx, base, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return &Error{Status: status, Answer: answer{Text: string(raw)}, Fix: "acknowledgement polling refused"}
	}
	var got struct {
		Acks map[string]bool `json:"acks"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		return fmt.Errorf("hec %s: ack answer: %w", base, err)
	}
	fence := c.epochs.fence(base) // taken after the answer: every request that HEC could have answered before it
	for i := range pending {
		p := &pending[i]
		if p.base == base && p.fence == 0 && got.Acks[strconv.FormatInt(p.id, 10)] {
			p.fence = fence
		}
	}
	return nil
}

// bases returns the URLs of p, each once: an ackId is polled once per round, since HEC forgets it once reported
// true.
func bases(p []pendingAck) []string {
	var out []string
	for _, x := range p {
		if !slices.Contains(out, x.base) {
			out = append(out, x.base)
		}
	}
	return out
}

// postAck polls /services/collector/ack and returns the raw answer.
func (c *Client) postAck(ctx context.Context, base string, body []byte) (int, answer, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/services/collector/ack", bytes.NewReader(body))
	if err != nil {
		return 0, answer{}, nil, err
	}
	req.Header.Set("Authorization", "Splunk "+c.o.Token)
	req.Header.Set("X-Splunk-Request-Channel", c.channel)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, answer{}, nil, fmt.Errorf("hec %s: ack: %w", base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	return resp.StatusCode, answer{}, raw, err
}

// deadLetter appends a refused event to the dead-letter file.
func (c *Client) deadLetter(event []byte, status int, a answer) error {
	if c.o.DeadLetterFile == "" {
		return fmt.Errorf("hec refused an event as invalid (%d, code %d: %s) and HEC_DEAD_LETTER_FILE is not set: the batch waits; set it to keep such events", status, a.Code, a.Text)
	}
	if err := c.openDeadLetter(); err != nil {
		return err
	}
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	line, _ := json.Marshal(struct {
		Time   string          `json:"time"`
		Status int             `json:"status"`
		Code   int             `json:"code"`
		Reason string          `json:"reason"`
		Event  json.RawMessage `json:"event"`
	}{time.Now().UTC().Format(time.RFC3339Nano), status, a.Code, a.Text, validJSON(event)})
	if _, err := c.dl.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("HEC_DEAD_LETTER_FILE: %w", err)
	}
	c.deadLettered.Add(1)
	if n, ok := c.dlLog.Allow(1); ok {
		c.log.Warn("hec refused events as invalid; written to the dead letter", zap.Uint64("events", n),
			zap.Int("code", a.Code), zap.String("reason", a.Text), zap.String("file", c.o.DeadLetterFile))
	}
	return nil
}

// openDeadLetter opens HEC_DEAD_LETTER_FILE for appending, once; without one it does nothing.
func (c *Client) openDeadLetter() error {
	if c.o.DeadLetterFile == "" {
		return nil
	}
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	if c.dl != nil {
		return nil
	}
	f, err := os.OpenFile(c.o.DeadLetterFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("HEC_DEAD_LETTER_FILE: %w", err)
	}
	c.dl = f
	return nil
}

// validJSON returns event, or event as a JSON string when it is not valid JSON.
func validJSON(event []byte) json.RawMessage {
	if json.Valid(event) {
		return event
	}
	q, _ := json.Marshal(string(event))
	return q
}

func (c *Client) syncDeadLetter() error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	if c.dl == nil {
		return nil
	}
	if err := c.dl.Sync(); err != nil {
		return fmt.Errorf("HEC_DEAD_LETTER_FILE: %w", err)
	}
	return nil
}
