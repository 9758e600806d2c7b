package slsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Administration API under /_emulator/ (JSON in and out, no signature). Every knob of the Go API is here:
//
//	GET  /_emulator/stats                                                  Stats
//	POST /_emulator/fail      {"api","count","status","code"}              FailNext
//	POST /_emulator/throttle  {"api","count"}                              Throttle
//	POST /_emulator/drop      {"api","count"}                              DropNext
//	POST /_emulator/latency   {"api","latency":"250ms"}                    SetLatency
//	POST /_emulator/clear     {}                                           ClearFaults
//	POST /_emulator/spelling  {"spelling":"typo"|"correct"}                SetSpelling
//	POST /_emulator/split     {"project","logstore","shard"}               Split
//	POST /_emulator/expire    {"project","logstore","before"|"olderThan"}  Expire
//	POST /_emulator/forget    {"project","logstore","group","consumer"}    ForgetConsumer
//	POST /_emulator/deletegroup {"project","logstore","group"}             DeleteGroup
//	POST /_emulator/generate  {"project","logstore","count"}               Generate
//	POST /_emulator/logstores {"project","logstore","shards","ttl"}        AddLogstore
//	POST /_emulator/keys      {"id","secret","token"}                      AddKey / AddSTSKey

type adminRequest struct {
	API       string `json:"api"`
	Count     int    `json:"count"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Latency   string `json:"latency"`
	Spelling  string `json:"spelling"`
	Project   string `json:"project"`
	Logstore  string `json:"logstore"`
	Shard     int    `json:"shard"`
	Shards    int    `json:"shards"`
	TTL       string `json:"ttl"`
	Before    string `json:"before"`
	OlderThan string `json:"olderThan"`
	Group     string `json:"group"`
	Consumer  string `json:"consumer"`
	ID        string `json:"id"`
	Secret    string `json:"secret"`
	Token     string `json:"token"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.URL.Path, adminPrefix)
	if op == "stats" {
		if r.Method != http.MethodGet {
			adminReply(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
			return
		}
		adminReply(w, http.StatusOK, s.Stats())
		return
	}
	if r.Method != http.MethodPost {
		adminReply(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST"})
		return
	}
	var a adminRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil && !errors.Is(err, io.EOF) {
		adminReply(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
		return
	}
	result, err := s.admin(op, a)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrNotFound) {
			status = http.StatusNotFound
		}
		adminReply(w, status, map[string]string{"error": err.Error()})
		return
	}
	if result == nil {
		result = map[string]bool{"ok": true}
	}
	adminReply(w, http.StatusOK, result)
}

func (s *Server) admin(op string, a adminRequest) (any, error) {
	switch op {
	case "fail":
		if a.API == "" || a.Count <= 0 {
			return nil, errors.New("fail needs api and a positive count")
		}
		s.FailNext(a.API, a.Count, a.Status, a.Code)
	case "throttle":
		if a.API == "" || a.Count <= 0 {
			return nil, errors.New("throttle needs api and a positive count")
		}
		s.Throttle(a.API, a.Count)
	case "drop":
		if a.API == "" || a.Count <= 0 {
			return nil, errors.New("drop needs api and a positive count")
		}
		s.DropNext(a.API, a.Count)
	case "latency":
		d, err := time.ParseDuration(a.Latency)
		if err != nil || a.API == "" {
			return nil, fmt.Errorf("latency needs api and a duration such as 250ms: %v", err)
		}
		s.SetLatency(a.API, d)
	case "clear":
		s.ClearFaults()
	case "spelling":
		switch a.Spelling {
		case "typo":
			s.SetSpelling(SpellingTypo)
		case "correct":
			s.SetSpelling(SpellingCorrect)
		default:
			return nil, fmt.Errorf("spelling must be typo or correct, got %q", a.Spelling)
		}
	case "split":
		children, err := s.Split(a.Project, a.Logstore, a.Shard)
		if err != nil {
			return nil, err
		}
		return map[string][]int{"children": children}, nil
	case "expire":
		before := time.Time{}
		switch {
		case a.Before != "":
			t, err := time.Parse(time.RFC3339Nano, a.Before)
			if err != nil {
				return nil, fmt.Errorf("before: %w", err)
			}
			before = t
		case a.OlderThan != "":
			d, err := time.ParseDuration(a.OlderThan)
			if err != nil {
				return nil, fmt.Errorf("olderThan: %w", err)
			}
			before = s.now().Add(-d)
		default:
			before = s.now().Add(time.Nanosecond)
		}
		n, err := s.Expire(a.Project, a.Logstore, before)
		if err != nil {
			return nil, err
		}
		return map[string]int{"expired": n}, nil
	case "forget":
		return nil, s.ForgetConsumer(a.Project, a.Logstore, a.Group, a.Consumer)
	case "deletegroup":
		return nil, s.DeleteGroup(a.Project, a.Logstore, a.Group)
	case "generate":
		return nil, s.Generate(a.Project, a.Logstore, a.Count)
	case "logstores":
		ttl := time.Duration(0)
		if a.TTL != "" {
			d, err := ParseRetention(a.TTL)
			if err != nil {
				return nil, err
			}
			ttl = d
		}
		return nil, s.AddLogstore(a.Project, a.Logstore, a.Shards, ttl)
	case "keys":
		if a.ID == "" || a.Secret == "" {
			return nil, errors.New("keys needs id and secret")
		}
		if a.Token != "" {
			s.AddSTSKey(a.ID, a.Secret, a.Token)
		} else {
			s.AddKey(a.ID, a.Secret)
		}
	default:
		return nil, fmt.Errorf("unknown operation %q: %w", op, ErrNotFound)
	}
	return nil, nil
}

func adminReply(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// ParseRetention parses a retention such as 90m, 24h or 7d (days); 0 means forever.
func ParseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != days {
			return 0, fmt.Errorf("retention %q: use a duration such as 90m, 24h or 7d", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("retention %q: use a duration such as 90m, 24h or 7d", v)
	}
	return d, nil
}
