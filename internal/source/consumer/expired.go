package consumer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// Expired-checkpoint policies (Options.ExpiredCursor).
const (
	ExpiredBegin = "begin" // resume at the oldest data still retained (default)
	ExpiredEnd   = "end"   // resume at the shard's end: only data written from now on
	ExpiredFail  = "fail"  // stop siemship with an error (Consumer.Failed)
)

// ExpiredObserver is an optional extension of Observer: an Observer that also implements it is told about every
// shard whose checkpoint pointed at expired data.
type ExpiredObserver interface {
	// CheckpointExpired is called once per reset (policy begin or end) or refusal (policy fail).
	CheckpointExpired(shard int, policy string)
}

// ExpiredCursorError is the error Failed reports when a checkpoint points at expired data and the policy is fail.
type ExpiredCursorError struct {
	Shard  int
	Cursor string
}

func (e *ExpiredCursorError) Error() string {
	return fmt.Sprintf("shard %d: checkpoint %q points at data SLS no longer retains (SLS_EXPIRED_CURSOR=fail)", e.Shard, e.Cursor)
}

func expiredPolicy(s string) (string, error) {
	switch p := strings.ToLower(strings.TrimSpace(s)); p {
	case "":
		return ExpiredBegin, nil
	case ExpiredBegin, ExpiredEnd, ExpiredFail:
		return p, nil
	default:
		return "", fmt.Errorf("expired cursor policy %q is not begin, end or fail", s)
	}
}

// invalidCursor reports whether resp is a PullLogs refusal of the cursor (400 InvalidCursor: the data it points at
// has expired). It reads the body and replaces it, so resp can still be handed on unchanged.
func invalidCursor(resp *http.Response) bool {
	if resp.StatusCode != http.StatusBadRequest {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	var e struct {
		Code string `json:"errorCode"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	return strings.Contains(strings.ToLower(e.Code), "invalidcursor")
}

// expired handles a pull of shard at cursor that SLS refused with InvalidCursor. SLS refuses a cursor whose data
// has expired, but a hostile or broken server (or a proxy) may refuse any cursor, and jumping then would deliver
// the shard again from its beginning or skip what lies ahead. So where cursors have SLS's usual form (base64 of
// the log group's number) the refused cursor is placed against the shard's retained range first:
//
//   - before the oldest retained group: the data expired; the policy decides (begin, end, or fail), and the log
//     says how many log groups were lost;
//   - within the retained range: not an expiry; the refusal is handed on, so the pull is retried with backoff
//     from the same cursor, and nothing is skipped or sent twice;
//   - after the shard's end (a recreated logstore, or a checkpoint from elsewhere): nothing retained lies before
//     the shard's end, so the policy's cursor loses nothing; fail still stops.
//
// For begin and end the replacement is returned as a successful, empty pull response whose next cursor is the
// replacement: the SDK hands Process an empty batch, Process checkpoints it, and the next pull starts there. When
// the policy is fail, or a cursor cannot be fetched, the refusal is returned as it is and the SDK retries the pull.
func (t *pullTransport) expired(req *http.Request, refused *http.Response, shard int, cursor string) *http.Response {
	c := t.c
	policy := c.expired
	begin, err := c.shardCursor(shard, ExpiredBegin)
	if err != nil {
		c.log.Warn("SLS refused a checkpoint as invalid; could not fetch the shard's oldest cursor to check it, will retry",
			zap.Int("shard", shard), zap.String("cursor", cursor), zap.Error(OneLine(err)))
		return refused
	}
	cur, okCur := cursorValue(cursor)
	beg, okBeg := cursorValue(begin)
	known := okCur && okBeg
	if known && cur >= beg {
		end, err := c.shardCursor(shard, ExpiredEnd)
		if err != nil {
			c.log.Warn("SLS refused a checkpoint as invalid; could not fetch the shard's end cursor to check it, will retry",
				zap.Int("shard", shard), zap.String("cursor", cursor), zap.Error(OneLine(err)))
			return refused
		}
		if e, ok := cursorValue(end); !ok || cur <= e {
			c.badAnswer(badAnswer(shard, ReasonCursor, "InvalidCursor for cursor %q, which lies within the shard's "+
				"retained data (%q to %q); not jumping, which would deliver data twice or skip it", cursor, begin, end))
			return refused
		}
		return t.reset(req, refused, shard, cursor, policy, "checkpoint is after the shard's end (was the logstore "+
			"recreated?); nothing retained lies before it", 0)
	}
	lost := int64(-1) // unknown
	if known {
		lost = beg - cur
	}
	return t.reset(req, refused, shard, cursor, policy, "checkpoint points at expired data", lost)
}

// reset applies the policy to a refused cursor (see expired); lost is the number of expired log groups skipped,
// or -1 when unknown.
func (t *pullTransport) reset(req *http.Request, refused *http.Response, shard int, cursor, policy, why string, lost int64) *http.Response {
	c := t.c
	if policy == ExpiredFail {
		if c.fail(&ExpiredCursorError{Shard: shard, Cursor: cursor}) {
			c.log.Error(why+"; stopping (SLS_EXPIRED_CURSOR=fail)", zap.Int("shard", shard), zap.String("cursor", cursor),
				zap.Int64("expired_log_groups", lost))
			c.observeExpired(shard, policy)
		}
		return refused
	}
	next, err := c.shardCursor(shard, policy)
	if err != nil {
		c.log.Warn(why+"; could not fetch the replacement cursor, will retry",
			zap.Int("shard", shard), zap.String("cursor", cursor), zap.String("policy", policy), zap.Error(OneLine(err)))
		return refused
	}
	c.observeExpired(shard, policy)
	_ = refused.Body.Close()
	c.pulled.put(shard, &pulled{cursor: cursor}) // an empty batch, which Process checkpoints at the replacement
	fields := []zap.Field{zap.Int("shard", shard), zap.String("cursor", cursor), zap.String("new_cursor", next),
		zap.String("policy", policy)}
	switch {
	case lost > 0:
		c.log.Error(why+"; those log groups are lost, resuming at the replacement cursor", append(fields, zap.Int64("expired_log_groups", lost))...)
	case lost < 0:
		c.log.Error(why+"; data in between may be lost, resuming at the replacement cursor", fields...)
	default:
		c.log.Warn(why+"; resuming at the replacement cursor", fields...)
	}
	if policy == ExpiredEnd && lost > 0 {
		c.log.Warn("SLS_EXPIRED_CURSOR=end skips the retained log groups too; only data written from now on is delivered", fields...)
	}
	h := http.Header{}
	h.Set("X-Log-Cursor", next)
	h.Set("X-Log-Count", "0")
	h.Set("X-Log-Bodyrawsize", "0")
	h.Set("X-Log-Compresstype", refused.Header.Get("X-Log-Compresstype"))
	if id := refused.Header.Get("X-Log-Requestid"); id != "" {
		h.Set("X-Log-Requestid", id)
	}
	h.Set("Content-Length", strconv.Itoa(0))
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: refused.Proto, ProtoMajor: refused.ProtoMajor,
		ProtoMinor: refused.ProtoMinor, Header: h, Body: http.NoBody, ContentLength: 0, Request: req,
	}
}

// shardCursor asks SLS for the shard's cursor at from (begin or end).
func (c *Consumer) shardCursor(shard int, from string) (string, error) {
	return c.Client().GetCursor(c.cfg.Project, c.cfg.Logstore, shard, from)
}

func (c *Consumer) observeExpired(shard int, policy string) {
	if obs, ok := c.opts.Observer.(ExpiredObserver); ok {
		obs.CheckpointExpired(shard, policy)
	}
}
