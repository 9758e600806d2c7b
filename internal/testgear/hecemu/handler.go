package hecemu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// HEC paths the emulator serves.
const (
	PathCollector     = "/services/collector"
	PathEvent         = "/services/collector/event"
	PathEvent10       = "/services/collector/event/1.0"
	PathAck           = "/services/collector/ack"
	PathHealth        = "/services/collector/health"
	PathHealth10      = "/services/collector/health/1.0"
	exactReadLimit    = 4 << 20 // bodies up to this Content-Length are read into one exact allocation
	gunzipInitialSize = 64 << 10
)

type endpoint int

const (
	epUnknown endpoint = iota
	epEvent
	epAck
	epHealth
)

func (e endpoint) String() string {
	switch e {
	case epEvent:
		return "event"
	case epAck:
		return "ack"
	case epHealth:
		return "health"
	}
	return "unknown"
}

func route(path string) endpoint {
	switch path {
	case PathEvent, PathCollector, PathEvent10:
		return epEvent
	case PathAck:
		return epAck
	case PathHealth, PathHealth10:
		return epHealth
	}
	return epUnknown
}

// ServeHTTP answers one HEC request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqNo := s.reqSeq.Add(1)
	s.counters.requests.Add(1)
	ep := route(r.URL.Path)
	logDrop := func(status, code int, fault string) func() {
		return func() { s.logRequest(r, ep, reqNo, start, status, code, fault) }
	}
	if s.faults.take(&s.faults.dropConns) && s.drop(w, logDrop(0, -1, "connection dropped")) {
		return
	}
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	var rep reply
	switch ep {
	case epEvent:
		s.counters.eventRequests.Add(1)
		rep = s.serveEvent(r, q, reqNo)
	case epAck:
		s.counters.ackPolls.Add(1)
		rep = s.serveAck(r, q)
	case epHealth:
		s.counters.healthChecks.Add(1)
		rep = s.serveHealth(r)
	default:
		rep = replyOf(codeNotFound)
	}
	if s.faults.take(&s.faults.dropResponses) && s.drop(w, logDrop(rep.status, rep.code, "response dropped")) {
		return
	}
	s.counters.code(rep.code)
	if rep.status != http.StatusOK {
		s.counters.rejected.Add(1)
	}
	rep.write(w)
	s.logRequest(r, ep, reqNo, start, rep.status, rep.code, "")
}

// drop takes over the connection, counts and logs the drop (before closing: the client may look at Stats or
// the log as soon as it sees the connection go), then closes it. It reports false when the connection cannot be
// taken over (HTTP/2, httptest.ResponseRecorder); the request is then answered as usual.
func (s *Server) drop(w http.ResponseWriter, logDrop func()) bool {
	conn, ok := hijack(w)
	if !ok {
		return false
	}
	s.counters.dropped.Add(1)
	logDrop()
	closeHard(conn)
	return true
}

func (s *Server) logRequest(r *http.Request, ep endpoint, reqNo int64, start time.Time, status, code int, fault string) {
	ce := s.log.Check(zap.DebugLevel, "request")
	if ce == nil {
		return
	}
	fields := []zap.Field{zap.Int64("request", reqNo), zap.Stringer("endpoint", ep), zap.String("method", r.Method),
		zap.String("path", r.URL.Path), zap.Int("status", status), zap.Int("code", code),
		zap.Duration("duration", time.Since(start))}
	if fault != "" {
		fields = append(fields, zap.String("fault", fault))
	}
	ce.Write(fields...)
}

func (s *Server) serveHealth(r *http.Request) reply {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return replyOf(codeNotFound)
	}
	if s.faults.busy(s.now()) {
		return replyOf(CodeUnhealthyQueuesFull)
	}
	return replyOf(CodeHealthy)
}

func (s *Server) serveEvent(r *http.Request, q url.Values, reqNo int64) reply {
	if r.Method != http.MethodPost {
		return replyOf(codeNotFound)
	}
	if s.faults.busy(s.now()) {
		return replyOf(CodeServerBusy)
	}
	if rep, ok := s.faults.takeFail(); ok {
		return rep
	}
	token, tok, rep, ok := s.authenticate(r, q)
	if !ok {
		return rep
	}
	channel := channelOf(r, q)
	if rep, ok := checkChannel(channel, tok.Ack); !ok {
		return rep
	}
	body, rep, ok := s.readBody(r)
	if !ok {
		return rep
	}
	p := eventParser{meta: requestMeta{
		tok: tok, token: token, channel: channel, request: reqNo,
		host: q.Get("host"), source: q.Get("source"), sourcetype: q.Get("sourcetype"), index: q.Get("index"),
	}}
	var evs []Event
	var n, code, bad int
	if s.o.CountOnly {
		n, code, bad = p.count(body)
		s.bodies.Put(&body)
	} else {
		evs, code, bad = p.parse(body, make([]Event, 0, estimateEvents(body)))
		n = len(evs)
	}
	if code == CodeNoData {
		return replyOf(CodeNoData)
	}
	if code != CodeSuccess && s.o.RejectWholeBatch {
		evs, n = nil, 0
	}
	ackID, ok := s.ix.accept(s.now(), chanKey{token, channel}, tok.Ack && code == CodeSuccess, evs, n, s.limits)
	if !ok {
		return replyOf(CodeServerBusy)
	}
	s.counters.events.Add(int64(n))
	if code != CodeSuccess {
		if code == CodeIncorrectIndex {
			bad++ // Splunk counts the refused event for code 7: a single event gets invalid-event-number 1
		}
		return invalidEvent(code, bad)
	}
	s.counters.accepted.Add(1)
	return success(ackID)
}

// estimateEvents guesses the number of events in a body, to size the event slice once.
func estimateEvents(body []byte) int {
	n := bytes.Count(body, []byte(`"event"`))
	return min(max(n, 1), len(body)/12+1)
}

// ackRequest is the body of an ack poll.
type ackRequest struct {
	Acks *[]int64 `json:"acks"`
}

func (s *Server) serveAck(r *http.Request, q url.Values) reply {
	if r.Method != http.MethodPost {
		return replyOf(codeNotFound)
	}
	if s.faults.busy(s.now()) {
		return replyOf(CodeServerBusy)
	}
	token, tok, rep, ok := s.authenticate(r, q)
	if !ok {
		return rep
	}
	if !tok.Ack {
		return replyOf(CodeAckDisabled)
	}
	channel := channelOf(r, q)
	if rep, ok := checkChannel(channel, true); !ok {
		return rep
	}
	body, rep, ok := s.readBody(r)
	if !ok {
		return rep
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return replyOf(CodeNoData)
	}
	var req ackRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Acks == nil {
		return replyOf(CodeInvalidDataFormat)
	}
	results := s.ix.poll(s.now(), chanKey{token, channel}, *req.Acks)
	out := make([]byte, 0, 16+len(results)*16)
	out = append(out, `{"acks":{`...)
	var trues int64
	for i, res := range results {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = strconv.AppendInt(out, res.id, 10)
		out = append(out, `":`...)
		out = strconv.AppendBool(out, res.indexed)
		if res.indexed {
			trues++
		}
	}
	out = append(out, "}}"...)
	s.counters.acksTrue.Add(trues)
	rep = replyOf(CodeSuccess)
	rep.body = out
	return rep
}

var gzipReaders sync.Pool // *gzip.Reader

// readBody reads the request body within MaxContentLength and gunzips it when Content-Encoding is gzip.
func (s *Server) readBody(r *http.Request) ([]byte, reply, bool) {
	limit := s.o.MaxContentLength
	if r.ContentLength > limit {
		return nil, replyOf(CodeContentTooLarge), false
	}
	var body []byte
	var err error
	switch {
	case s.o.CountOnly && r.ContentLength >= 0 && r.ContentLength <= exactReadLimit:
		// Nothing keeps a slice of the body in count-only mode: bodies are reused, which keeps a throughput
		// run's garbage collection (and its scans of the SLS emulator's heap beside) down.
		if p, _ := s.bodies.Get().(*[]byte); p != nil && int64(cap(*p)) >= r.ContentLength {
			body = (*p)[:r.ContentLength]
		} else {
			body = make([]byte, r.ContentLength)
		}
		_, err = io.ReadFull(r.Body, body)
	case r.ContentLength >= 0 && r.ContentLength <= exactReadLimit:
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	default:
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	}
	s.counters.bodyBytes.Add(int64(len(body)))
	if err != nil {
		s.log.Debug("read request body", zap.Error(err))
		return nil, replyOf(CodeInvalidDataFormat), false
	}
	if int64(len(body)) > limit {
		return nil, replyOf(CodeContentTooLarge), false
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, reply{}, true
	case "gzip", "x-gzip":
		return s.gunzip(body, limit)
	default:
		return nil, replyOf(CodeInvalidDataFormat), false
	}
}

func (s *Server) gunzip(body []byte, limit int64) ([]byte, reply, bool) {
	if len(body) == 0 {
		return body, reply{}, true
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(body))
	} else {
		err = zr.Reset(bytes.NewReader(body))
	}
	if err != nil {
		return nil, replyOf(CodeInvalidDataFormat), false
	}
	defer gzipReaders.Put(zr)
	var buf bytes.Buffer
	buf.Grow(int(min(int64(len(body))*8, limit+1, gunzipInitialSize)))
	n, err := buf.ReadFrom(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, replyOf(CodeInvalidDataFormat), false
	}
	if n > limit {
		return nil, replyOf(CodeContentTooLarge), false
	}
	return buf.Bytes(), reply{}, true
}
