package slsemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// FuzzHandler sends arbitrary requests through the handler: it must never panic, and every non-200 SLS answer must
// be the JSON error envelope with a request id.
func FuzzHandler(f *testing.F) {
	newServer := func() *Server {
		s := New(Options{Logger: zap.NewNop(), AllowAnonymous: true})
		if err := s.AddLogstore("proj", "audit", 2, 0); err != nil {
			f.Fatal(err)
		}
		s.AddKey("id", "secret")
		if err := s.Generate("proj", "audit", 30); err != nil {
			f.Fatal(err)
		}
		return s
	}
	// Inputs create groups, shards and data; a fresh server every 256 inputs keeps the state small.
	s, runs := newServer(), 0
	f.Cleanup(func() { s.codec.close() })
	f.Add("GET", "/logstores/audit/shards/0?type=logs&cursor=MA==&count=10", "proj.x", "", "", []byte(nil))
	f.Add("POST", "/logstores/audit/consumergroups/cg?type=heartbeat&consumer=c", "proj.x", "", "", []byte("[0, 1]"))
	f.Add("POST", "/logstores/audit", "proj.x:80", "lz4", "12", []byte{0x10, 0x01})
	f.Add("POST", "/logstores/audit/consumergroups", "proj.x", "", "", []byte(`{"consumerGroup":"cg","timeout":5}`))
	f.Add("GET", "/logstores/audit/shards/0?type=cursor&from=99999999999", "proj.x", "LOG id:sig", "", []byte(nil))
	f.Add("GET", "/logstores/audit/shards", "proj.x", "SLS4-HMAC-SHA256 Credential=id/20260101/r/sls/aliyun_v4_request,Signature=00", "", []byte(nil))
	f.Fuzz(func(t *testing.T, method, target, host, auth, compress string, body []byte) {
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, adminPrefix) {
			return
		}
		req, err := http.NewRequest(method, "http://example"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Host = host
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if compress != "" {
			req.Header.Set("x-log-compresstype", compress)
			req.Header.Set("x-log-bodyrawsize", "64")
		}
		if runs++; runs%256 == 0 {
			s.codec.close()
			s = newServer()
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Header().Get("x-log-requestid") == "" {
			t.Fatalf("%s %s: no request id", method, target)
		}
		if w.Code != http.StatusOK {
			var e struct {
				Code    string `json:"errorCode"`
				Message string `json:"errorMessage"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" {
				t.Fatalf("%s %s: %d %q is not an SLS error", method, target, w.Code, w.Body.String())
			}
		}
	})
}
