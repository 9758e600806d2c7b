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

// expired applies the expired-checkpoint policy to a refused pull of shard at cursor. For begin and end it fetches
// the replacement cursor and returns a successful, empty pull response whose next cursor is the replacement: the
// SDK hands Process an empty batch, Process checkpoints the replacement, and the next pull starts there. For fail
// (or when the replacement cannot be fetched) it returns refused as it is: the SDK retries the pull.
func (t *pullTransport) expired(req *http.Request, refused *http.Response, shard int, cursor string) *http.Response {
	c := t.c
	policy := c.expired
	if policy == ExpiredFail {
		if c.fail(&ExpiredCursorError{Shard: shard, Cursor: cursor}) {
			c.log.Error("checkpoint points at expired data; stopping (SLS_EXPIRED_CURSOR=fail)",
				zap.Int("shard", shard), zap.String("cursor", cursor))
			c.observeExpired(shard, policy)
		}
		return refused
	}
	next, err := c.Client().GetCursor(c.cfg.Project, c.cfg.Logstore, shard, policy)
	if err != nil {
		c.log.Warn("checkpoint points at expired data; could not fetch the replacement cursor, will retry",
			zap.Int("shard", shard), zap.String("cursor", cursor), zap.String("policy", policy), zap.Error(err))
		return refused
	}
	c.observeExpired(shard, policy)
	_ = refused.Body.Close()
	c.log.Error("checkpoint points at expired data; data in between is lost, resuming at the replacement cursor",
		zap.Int("shard", shard), zap.String("cursor", cursor), zap.String("new_cursor", next), zap.String("policy", policy))
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

func (c *Consumer) observeExpired(shard int, policy string) {
	if obs, ok := c.opts.Observer.(ExpiredObserver); ok {
		obs.CheckpointExpired(shard, policy)
	}
}
