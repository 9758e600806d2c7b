package slsemu_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func admin(t testing.TB, e *emu, op, body string) (int, map[string]any) {
	t.Helper()
	method := http.MethodPost
	if op == "stats" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, e.url+"/_emulator/"+op, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, b := do(t, http.DefaultClient, req)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s answered %q", op, b)
	}
	return resp.StatusCode, out
}

func TestAdminHTTP(t *testing.T) {
	e := startEmu(t, 2, slsemu.Options{})
	defer http.DefaultClient.CloseIdleConnections()
	c := e.client(t)
	ok := func(op, body string) map[string]any {
		t.Helper()
		status, out := admin(t, e, op, body)
		if status != 200 {
			t.Fatalf("%s %s: %d %v", op, body, status, out)
		}
		return out
	}

	ok("logstores", `{"project":"proj-b","logstore":"second","shards":3,"ttl":"7d"}`)
	ok("keys", `{"id":"AK2","secret":"S2"}`)
	ok("generate", `{"project":"proj-b","logstore":"second","count":25}`)
	c2 := sls.CreateNormalInterface(e.endpoint, "AK2", "S2", "")
	hc := http.Client{Transport: slsemu.HTTPClient(e.url).Transport}
	defer hc.CloseIdleConnections()
	c2.SetHTTPClient(&hc)
	if shards, err := c2.ListShards("proj-b", "second"); err != nil || len(shards) != 3 {
		t.Fatalf("new logstore through the new key: %v %v", shards, err)
	}

	ok("fail", `{"api":"ListShards","count":1,"status":400,"code":"Injected"}`)
	_, err := c.ListShards(testProject, testLogstore)
	assertSLSError(t, err, 400, "Injected")
	ok("throttle", `{"api":"ListShards","count":1}`)
	_, err = c.ListShards(testProject, testLogstore)
	assertSLSError(t, err, 403, "ReadQuotaExceed")
	ok("drop", `{"api":"ListShards","count":1}`)
	ok("clear", `{}`)
	if _, err := c.ListShards(testProject, testLogstore); err != nil {
		t.Fatalf("after clear: %v", err)
	}
	ok("latency", `{"api":"ListShards","latency":"200ms"}`)
	start := time.Now()
	if _, err := c.ListShards(testProject, testLogstore); err != nil || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("latency: %v after %s", err, time.Since(start))
	}
	ok("latency", `{"api":"ListShards","latency":"0s"}`)

	if out := ok("split", `{"project":"proj-a","logstore":"audit","shard":1}`); len(out["children"].([]any)) != 2 {
		t.Fatalf("split: %v", out)
	}
	ok("generate", `{"project":"proj-a","logstore":"audit","count":30}`)
	if out := ok("expire", `{"project":"proj-a","logstore":"audit","olderThan":"0s"}`); out["expired"] != 3.0 {
		t.Fatalf("expire: %v", out)
	}
	ok("spelling", `{"spelling":"correct"}`)
	if err := c.CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: "cg", Timeout: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeartBeat(testProject, testLogstore, "cg", "c1", nil); err != nil {
		t.Fatal(err)
	}
	ok("forget", `{"project":"proj-a","logstore":"audit","group":"cg","consumer":"c1"}`)
	assertSLSError(t, c.UpdateCheckpoint(testProject, testLogstore, "cg", "c1", 2, slsemu.EncodeCursor(1), false), 400, "ConsumerNotExist")
	ok("deletegroup", `{"project":"proj-a","logstore":"audit","group":"cg"}`)
	_, err = c.HeartBeat(testProject, testLogstore, "cg", "c1", nil)
	assertSLSError(t, err, 404, "ConsumerGroupNotExist")
	if err := c.CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: "cg", Timeout: 30}); err != nil {
		t.Fatalf("create again after deletegroup: %v", err)
	}

	var st slsemu.Stats
	_, raw := admin(t, e, "stats", "")
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	ls := st.Logstore(testProject, testLogstore)
	if st.Requests[slsemu.APIListShards] < 5 || st.Errors[slsemu.APIListShards]["Injected"] != 1 || ls == nil ||
		len(ls.Shards) != 4 || ls.Shard(1).Status != "readonly" || ls.Group("cg") == nil || ls.Generated != 30 {
		t.Fatalf("stats: %s", b)
	}

	for _, tc := range []struct {
		op, body string
		status   int
	}{
		{"nope", `{}`, 404},
		{"fail", `{"api":"ListShards"}`, 400},
		{"fail", `{"unknown":1}`, 400},
		{"split", `{"project":"proj-a","logstore":"audit","shard":42}`, 404},
		{"expire", `{"project":"nope","logstore":"audit"}`, 404},
		{"deletegroup", `{"project":"proj-a","logstore":"audit","group":"nope"}`, 404},
		{"spelling", `{"spelling":"british"}`, 400},
		{"latency", `{"api":"ListShards","latency":"soon"}`, 400},
		{"logstores", `{"project":"proj-a","logstore":"audit","shards":1}`, 400},
		{"logstores", `{"project":"p.x","logstore":"x1","shards":1}`, 400},
	} {
		if status, out := admin(t, e, tc.op, tc.body); status != tc.status || out["error"] == "" {
			t.Errorf("%s %s: %d %v, want %d", tc.op, tc.body, status, out, tc.status)
		}
	}
	resp, err := http.Post(e.url+"/_emulator/stats", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST stats: %d", resp.StatusCode)
	}
}
