package slsemu

import (
	"net/http"
	"sync"
	"time"
)

// API names, as used by the fault knobs and in Stats. AnyAPI matches every API.
const (
	AnyAPI                 = "*"
	APIListShards          = "ListShards"
	APIGetCursor           = "GetCursor"
	APIGetCursorTime       = "GetCursorTime"
	APIPullLogs            = "PullLogs"
	APIPutLogs             = "PutLogs"
	APISplitShard          = "SplitShard"
	APIListConsumerGroup   = "ListConsumerGroup"
	APICreateConsumerGroup = "CreateConsumerGroup"
	APIUpdateConsumerGroup = "UpdateConsumerGroup"
	APIDeleteConsumerGroup = "DeleteConsumerGroup"
	APIHeartbeat           = "ConsumerGroupHeartBeat"
	APIGetCheckPoint       = "GetCheckPoint"
	APIUpdateCheckPoint    = "ConsumerGroupUpdateCheckPoint"
	apiUnknown             = "Unknown"
)

const (
	defaultFaultMessage = "fault injected by the sls emulator"
	maxInjectedLatency  = 10 * time.Minute
	dropStatus          = -1 // marks a rule that closes the connection
	maxRulesPerAPI      = 1024
)

// faultRule answers the next remaining requests of an API with an error, or drops their connection.
type faultRule struct {
	remaining int
	status    int
	code      string
	message   string
}

type faults struct {
	mu      sync.Mutex
	rules   map[string][]*faultRule
	latency map[string]time.Duration
}

func (f *faults) init() {
	f.rules = map[string][]*faultRule{}
	f.latency = map[string]time.Duration{}
}

func normAPI(api string) string {
	if api == "" {
		return AnyAPI
	}
	return api
}

func (f *faults) add(api string, r *faultRule) {
	if r.remaining <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	api = normAPI(api)
	if len(f.rules[api]) < maxRulesPerAPI {
		f.rules[api] = append(f.rules[api], r)
	}
}

// take consumes one use of the first rule for api (then AnyAPI) and returns a copy of it.
func (f *faults) take(api string) (faultRule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, key := range [2]string{api, AnyAPI} {
		q := f.rules[key]
		if len(q) == 0 {
			continue
		}
		r := q[0]
		r.remaining--
		if r.remaining <= 0 {
			f.rules[key] = q[1:]
		}
		return *r, true
	}
	return faultRule{}, false
}

func (f *faults) delay(api string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency[api] + f.latency[AnyAPI]
}

// FailNext answers the next n requests of api (AnyAPI for all) with HTTP status and error code. Rules queue up:
// a second call takes effect after the first one is used up.
func (s *Server) FailNext(api string, n, status int, code string) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if code == "" {
		code = "InternalServerError"
	}
	s.faults.add(api, &faultRule{remaining: n, status: status, code: code, message: defaultFaultMessage})
}

// Throttle answers the next n requests of api with 403 ReadQuotaExceed (WriteQuotaExceed for PutLogs).
func (s *Server) Throttle(api string, n int) {
	code := "ReadQuotaExceed"
	if api == APIPutLogs {
		code = "WriteQuotaExceed"
	}
	s.faults.add(api, &faultRule{remaining: n, status: http.StatusForbidden, code: code, message: "quota exceeded (injected by the sls emulator)"})
}

// DropNext closes the connection of the next n requests of api without answering.
func (s *Server) DropNext(api string, n int) {
	s.faults.add(api, &faultRule{remaining: n, status: dropStatus})
}

// SetLatency delays every request of api (AnyAPI for all) by d before it is answered; 0 removes the delay.
func (s *Server) SetLatency(api string, d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	api = normAPI(api)
	if d <= 0 {
		delete(s.faults.latency, api)
		return
	}
	s.faults.latency[api] = min(d, maxInjectedLatency)
}

// ClearFaults removes every pending failure, drop and latency.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.init()
}
