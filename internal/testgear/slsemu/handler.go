package slsemu

import (
	"encoding/json"

	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// apiError is an SLS error response.
type apiError struct {
	status  int
	code    string
	message string
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// request is one routed SLS API call.
type request struct {
	api      string
	id       string // x-log-requestid
	project  string
	logstore string
	shard    string // path segment after /shards/, or ""
	group    string // consumer group name, or ""
	body     []byte
	r        *http.Request
}

// Handler returns the HTTP handler: the SLS API, plus the administration API under /_emulator/.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

const adminPrefix = "/_emulator/"

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	start := time.Now()
	req := &request{r: r, id: s.requestID(start)}
	req.api, req.logstore, req.shard, req.group = route(r)
	req.project = projectFromHost(r.Host)
	s.counters.request(req.api)

	status, code := s.serveAPI(w, req)

	if ce := s.log.Check(zap.DebugLevel, "request"); ce != nil {
		ce.Write(zap.String("api", req.api), zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("project", req.project), zap.Int("status", status), zap.String("code", code),
			zap.String("request_id", req.id), zap.Duration("duration", time.Since(start)))
	}
}

// serveAPI answers one SLS request and returns the status and error code it sent.
func (s *Server) serveAPI(w http.ResponseWriter, req *request) (int, string) {
	r := req.r
	if r.Body != nil {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.o.MaxBodyBytes)))
		if err != nil {
			return s.fail(w, req, errorf(http.StatusRequestEntityTooLarge, "PostBodyTooLarge", "request body: %v", err))
		}
		req.body = body
	}
	if aerr := s.authenticate(r, req.body); aerr != nil {
		return s.fail(w, req, aerr)
	}
	if d := s.faults.delay(req.api); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return 0, "canceled"
		}
	}
	if rule, ok := s.faults.take(req.api); ok {
		if rule.status == dropStatus {
			s.counters.failure(req.api, "dropped")
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					if tc, ok := conn.(*net.TCPConn); ok {
						_ = tc.SetLinger(0)
					}
					_ = conn.Close()
					return 0, "dropped"
				}
			}
			panic(http.ErrAbortHandler)
		}
		return s.fail(w, req, &apiError{status: rule.status, code: rule.code, message: rule.message})
	}
	if req.api == apiUnknown {
		return s.fail(w, req, errorf(http.StatusNotFound, "NotSupported", "%s %s is not supported by the sls emulator", r.Method, r.URL.Path))
	}
	if req.project == "" {
		return s.fail(w, req, errorf(http.StatusNotFound, "ProjectNotExist", "The Project does not exist : the Host %q names no project", r.Host))
	}
	ls, err := s.lookup(req.project, req.logstore)
	if err != nil {
		s.mu.RLock()
		_, projectOK := s.projects[req.project]
		s.mu.RUnlock()
		if !projectOK {
			return s.fail(w, req, errorf(http.StatusNotFound, "ProjectNotExist", "The Project does not exist : %s", req.project))
		}
		return s.fail(w, req, errorf(http.StatusNotFound, "LogStoreNotExist", "logstore %s does not exist", req.logstore))
	}
	ls.expire(s.now(), time.Time{})

	var aerr *apiError
	switch req.api {
	case APIListShards:
		aerr = s.listShards(w, req, ls)
	case APIGetCursor:
		aerr = s.getCursor(w, req, ls)
	case APIGetCursorTime:
		aerr = s.getCursorTime(w, req, ls)
	case APIPullLogs:
		aerr = s.pullLogs(w, req, ls)
	case APIPutLogs:
		aerr = s.putLogs(w, req, ls)
	case APISplitShard:
		aerr = s.splitShard(w, req, ls)
	case APIListConsumerGroup:
		aerr = s.listGroups(w, req, ls)
	case APICreateConsumerGroup:
		aerr = s.createGroup(w, req, ls)
	case APIUpdateConsumerGroup:
		aerr = s.updateGroup(w, req, ls)
	case APIDeleteConsumerGroup:
		aerr = s.deleteGroup(w, req, ls)
	case APIHeartbeat:
		aerr = s.heartbeat(w, req, ls)
	case APIGetCheckPoint:
		aerr = s.getCheckpoint(w, req, ls)
	case APIUpdateCheckPoint:
		aerr = s.updateCheckpoint(w, req, ls)
	}
	if aerr != nil {
		return s.fail(w, req, aerr)
	}
	return http.StatusOK, ""
}

// route maps method and path to an API name and its path parameters.
func route(r *http.Request) (api, logstore, shard, group string) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "logstores" || parts[1] == "" {
		return apiUnknown, "", "", ""
	}
	logstore = parts[1]
	q := r.URL.Query()
	switch {
	case len(parts) == 2 && r.Method == http.MethodPost:
		return APIPutLogs, logstore, "", ""
	case len(parts) == 3 && parts[2] == "shards" && r.Method == http.MethodGet:
		return APIListShards, logstore, "", ""
	case len(parts) == 4 && parts[2] == "shards" && r.Method == http.MethodPost && (parts[3] == "lb" || parts[3] == "route"):
		return APIPutLogs, logstore, parts[3], ""
	case len(parts) == 4 && parts[2] == "shards" && r.Method == http.MethodPost && q.Get("action") == "split":
		return APISplitShard, logstore, parts[3], ""
	case len(parts) == 4 && parts[2] == "shards" && r.Method == http.MethodGet:
		switch q.Get("type") {
		case "cursor":
			return APIGetCursor, logstore, parts[3], ""
		case "cursor_time":
			return APIGetCursorTime, logstore, parts[3], ""
		case "logs", "log":
			return APIPullLogs, logstore, parts[3], ""
		}
	case len(parts) == 3 && parts[2] == "consumergroups":
		switch r.Method {
		case http.MethodGet:
			return APIListConsumerGroup, logstore, "", ""
		case http.MethodPost:
			return APICreateConsumerGroup, logstore, "", ""
		}
	case len(parts) == 4 && parts[2] == "consumergroups":
		group = parts[3]
		switch r.Method {
		case http.MethodPut:
			return APIUpdateConsumerGroup, logstore, "", group
		case http.MethodDelete:
			return APIDeleteConsumerGroup, logstore, "", group
		case http.MethodGet:
			return APIGetCheckPoint, logstore, "", group
		case http.MethodPost:
			switch q.Get("type") {
			case "heartbeat":
				return APIHeartbeat, logstore, "", group
			case "checkpoint":
				return APIUpdateCheckPoint, logstore, "", group
			}
		}
	}
	return apiUnknown, logstore, "", ""
}

// projectFromHost returns the project named by the Host: the part before the first dot, when the host is a name
// with at least two labels and not an IP literal, and that part is a valid project name (in lower case: host
// names are case-insensitive).
func projectFromHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	p, rest, ok := strings.Cut(host, ".")
	p = strings.ToLower(p)
	if !ok || rest == "" || projectRule.check(p) != nil {
		return ""
	}
	return p
}

func (s *Server) requestID(t time.Time) string {
	return fmt.Sprintf("%08X%016X", uint32(t.Unix()), s.reqSeq.Add(1))
}

// fail writes the SLS error envelope.
func (s *Server) fail(w http.ResponseWriter, req *request, e *apiError) (int, string) {
	s.counters.failure(req.api, e.code)
	h := w.Header()
	h.Set("x-log-requestid", req.id)
	h.Set("Content-Type", "application/json")
	b, _ := json.Marshal(struct {
		Code    string `json:"errorCode"`
		Message string `json:"errorMessage"`
	}{e.code, e.message})
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
	return e.status, e.code
}

// writeJSON writes a 200 response with a JSON body (empty when v is nil).
func writeJSON(w http.ResponseWriter, req *request, v any) {
	h := w.Header()
	h.Set("x-log-requestid", req.id)
	h.Set("Content-Type", "application/json")
	var b []byte
	if v != nil {
		b, _ = json.Marshal(v)
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
