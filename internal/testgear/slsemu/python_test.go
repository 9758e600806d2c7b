package slsemu_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"github.com/pierrec/lz4/v4"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func jsonHasCode(body []byte, code string) bool {
	var e struct {
		Code    string `json:"errorCode"`
		Message string `json:"errorMessage"`
	}
	return json.Unmarshal(body, &e) == nil && e.Code == code && e.Message != ""
}

// pyRequest builds a request shaped like the Python SDK's (sls-wire-protocol §13, §25): Host without port,
// Content-Type also on GETs, x-log-date added after signing, query in insertion order, literal values.
func pyRequest(t testing.TB, e *emu, method, path, query string, body []byte, extra map[string]string) *http.Request {
	t.Helper()
	date := time.Now().UTC().Format(http.TimeFormat)
	h := map[string]string{
		"x-log-apiversion": "0.6.0",
		"Date":             date,
		"User-Agent":       "log-python-sdk-v-0.9.47, sys.version_info(major=3), linux",
	}
	for k, v := range extra {
		h[k] = v
	}
	uri := path
	if query != "" {
		uri += "?" + query
	}
	var signBody []byte
	if len(body) > 0 {
		signBody = body
	}
	if err := sls.NewSignerV1(testKeyID, testSecret).Sign(method, uri, h, signBody); err != nil {
		t.Fatal(err)
	}
	h["x-log-date"] = date // Python adds it after signing
	req, err := http.NewRequest(method, "http://"+testProject+"."+e.endpoint+uri, bytesReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Host = testProject + ".sls.emu.invalid" // no port, as Python sends it
	return req
}

func TestPythonStyleConsumerGroupCalls(t *testing.T) {
	e := startEmu(t, 2, slsemu.Options{})
	hc := slsemu.HTTPClient(e.url)
	defer hc.CloseIdleConnections()
	base := "/logstores/" + testLogstore + "/consumergroups"
	jsonCT := map[string]string{"Content-Type": "application/json", "x-log-bodyrawsize": "0"}

	create := []byte(`{"consumerGroup": "cg", "timeout": 40, "order": false}`)
	if resp, b := do(t, hc, pyRequest(t, e, "POST", base, "", create, jsonCT)); resp.StatusCode != 200 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	resp, b := do(t, hc, pyRequest(t, e, "POST", base, "", create, jsonCT))
	if resp.StatusCode != 400 || !jsonHasCode(b, "ConsumerGroupAlreadyExist") {
		t.Fatalf("second create: %d %s", resp.StatusCode, b)
	}
	update := []byte(`{"order": true, "timeout": 40}`)
	if resp, b := do(t, hc, pyRequest(t, e, "PUT", base+"/cg", "", update, map[string]string{"Content-Type": "application/json", "x-log-bodyrawsize": strconv.Itoa(len(update))})); resp.StatusCode != 200 {
		t.Fatalf("update: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, hc, pyRequest(t, e, "GET", base, "", nil, jsonCT))
	var groups []map[string]any
	if err := json.Unmarshal(b, &groups); err != nil || resp.StatusCode != 200 || len(groups) != 1 ||
		groups[0]["name"] != "cg" || groups[0]["timeout"] != 40.0 || groups[0]["order"] != true {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}

	// Heartbeats without x-log-bodyrawsize, JSON with spaces.
	hb := map[string]string{"Content-Type": "application/json"}
	resp, b = do(t, hc, pyRequest(t, e, "POST", base+"/cg", "type=heartbeat&consumer=py1", []byte(`[]`), hb))
	if resp.StatusCode != 200 || string(b) != "[0,1]" {
		t.Fatalf("heartbeat: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, hc, pyRequest(t, e, "POST", base+"/cg", "type=heartbeat&consumer=py1", []byte(`[0, 1]`), hb))
	if resp.StatusCode != 200 || string(b) != "[0,1]" {
		t.Fatalf("heartbeat 2: %d %s", resp.StatusCode, b)
	}

	// GetCheckPoint with ?shard=N: one entry with an empty checkpoint, [] for an unknown shard.
	resp, b = do(t, hc, pyRequest(t, e, "GET", base+"/cg", "shard=1", nil, jsonCT))
	if resp.StatusCode != 200 || string(b) != `[{"shard":1,"checkpoint":"","updateTime":0,"consumer":""}]` {
		t.Fatalf("checkpoint shard 1: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, hc, pyRequest(t, e, "GET", base+"/cg", "shard=7", nil, jsonCT))
	if resp.StatusCode != 200 || string(b) != `[]` {
		t.Fatalf("checkpoint shard 7: %d %s", resp.StatusCode, b)
	}

	// UpdateCheckpoint with forceSuccess=True, then read it back.
	cp := slsemu.EncodeCursor(12345)
	body := []byte(`{"shard": 1, "checkpoint": "` + cp + `"}`)
	resp, b = do(t, hc, pyRequest(t, e, "POST", base+"/cg", "type=checkpoint&consumer=py1&forceSuccess=True", body, hb))
	if resp.StatusCode != 200 {
		t.Fatalf("update checkpoint: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, hc, pyRequest(t, e, "GET", base+"/cg", "shard=1", nil, jsonCT))
	var cps []struct {
		Shard      int    `json:"shard"`
		Checkpoint string `json:"checkpoint"`
		UpdateTime int64  `json:"updateTime"`
		Consumer   string `json:"consumer"`
	}
	if err := json.Unmarshal(b, &cps); err != nil || len(cps) != 1 || cps[0].Checkpoint != cp || cps[0].Consumer != "py1" ||
		time.Since(time.UnixMicro(cps[0].UpdateTime)) > time.Minute {
		t.Fatalf("checkpoint after update: %d %s", resp.StatusCode, b)
	}

	resp, b = do(t, hc, pyRequest(t, e, "DELETE", base+"/cg", "", nil, jsonCT))
	if resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, hc, pyRequest(t, e, "GET", base+"/cg", "", nil, jsonCT))
	if resp.StatusCode != 404 || !jsonHasCode(b, "ConsumerGroupNotExist") {
		t.Fatalf("after delete: %d %s", resp.StatusCode, b)
	}
}

func TestPythonStylePutAndPull(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	hc := slsemu.HTTPClient(e.url)
	defer hc.CloseIdleConnections()
	ls := "/logstores/" + testLogstore

	raw, err := logGroup(100, 2).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	lz := make([]byte, lz4.CompressBlockBound(len(raw)))
	n, err := lz4.CompressBlock(raw, lz, nil)
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(raw)
	zw.Close()
	for _, tc := range []struct {
		path, query, typ string
		body             []byte
	}{
		{ls + "/shards/lb", "", "lz4", lz[:n]},
		{ls + "/shards/route", "key=" + "8f14e45fceea167a5a36dedd4bea2543", "deflate", zb.Bytes()},
		{ls + "/shards/lb", "", "", raw},
	} {
		h := map[string]string{"Content-Type": "application/x-protobuf", "x-log-bodyrawsize": strconv.Itoa(len(raw))}
		if tc.typ != "" {
			h["x-log-compresstype"] = tc.typ
		}
		if resp, b := do(t, hc, pyRequest(t, e, "POST", tc.path, tc.query, tc.body, h)); resp.StatusCode != 200 {
			t.Fatalf("put %s %s: %d %s", tc.path, tc.typ, resp.StatusCode, b)
		}
	}

	// GetCursor with Content-Type on a GET, then PullLogs with type=log in Python's parameter order.
	resp, b := do(t, hc, pyRequest(t, e, "GET", ls+"/shards/0", "type=cursor&from=begin", nil, map[string]string{"Content-Type": "application/json", "x-log-bodyrawsize": "0"}))
	var cur struct{ Cursor string }
	if err := json.Unmarshal(b, &cur); err != nil || resp.StatusCode != 200 {
		t.Fatalf("cursor: %d %s", resp.StatusCode, b)
	}
	q := "type=log&cursor=" + url.QueryEscape(cur.Cursor) + "&count=1000"
	resp, b = do(t, hc, pyRequest(t, e, "GET", ls+"/shards/0", q, nil, map[string]string{"Accept-Encoding": "lz4", "Accept": "application/x-protobuf", "x-log-bodyrawsize": "0"}))
	if resp.StatusCode != 200 || resp.Header.Get("x-log-compresstype") != "lz4" || resp.Header.Get("x-log-count") != "3" || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("pull: %d %v", resp.StatusCode, resp.Header)
	}
	rawSize, _ := strconv.Atoi(resp.Header.Get("x-log-bodyrawsize"))
	out := make([]byte, rawSize)
	if m, err := lz4.UncompressBlock(b, out); err != nil || m != rawSize {
		t.Fatalf("lz4 body: %d %v", m, err)
	}
	var lgl sls.LogGroupList
	if err := lgl.Unmarshal(out); err != nil {
		t.Fatal(err)
	}
	if got := seqs(t, &lgl); len(got) != 6 || got[0] != 100 || got[5] != 101 {
		t.Fatalf("seqs = %v", got)
	}
	last, _ := strconv.ParseInt(resp.Header.Get("x-log-read-last-cursor"), 10, 64)
	if next := resp.Header.Get("x-log-cursor"); mustDecode(t, next) != last+1 || mustDecode(t, cur.Cursor)+3 != last+1 {
		t.Fatalf("next %s, read-last %d, start %s", next, last, cur.Cursor)
	}
}

// Both SDKs reach the emulator through HTTP_PROXY: requests then arrive in absolute-form. A transport with a proxy
// takes the same code path without touching the process environment.
func TestAbsoluteFormThroughProxy(t *testing.T) {
	e := startEmu(t, 2, slsemu.Options{})
	pu, _ := url.Parse(e.url)
	tr := &http.Transport{Proxy: http.ProxyURL(pu)}
	defer tr.CloseIdleConnections()
	c := sls.CreateNormalInterface(e.endpoint, testKeyID, testSecret, "")
	c.SetHTTPClient(&http.Client{Transport: tr, Timeout: 10 * time.Second})
	c.SetRetryTimeout(2 * time.Second)
	shards, err := c.ListShards(testProject, testLogstore)
	if err != nil || len(shards) != 2 {
		t.Fatalf("list shards through the proxy: %v %v", shards, err)
	}
	if err := c.CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: "cg", Timeout: 10}); err != nil {
		t.Fatal(err)
	}
	got, err := c.HeartBeat(testProject, testLogstore, "cg", "c1", nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("heartbeat through the proxy: %v %v", got, err)
	}
}

// An IP-literal endpoint works with HTTPClient: the SDK asks for proj.127.0.0.1:PORT and the client dials the
// emulator anyway.
func TestHTTPClientWithIPEndpoint(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	pu, _ := url.Parse(e.url)
	c := sls.CreateNormalInterface(pu.Host, testKeyID, testSecret, "")
	hc := slsemu.HTTPClient(e.url)
	defer hc.CloseIdleConnections()
	c.SetHTTPClient(hc)
	if _, err := c.ListShards(testProject, testLogstore); err != nil {
		t.Fatal(err)
	}
}
