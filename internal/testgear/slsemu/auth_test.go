package slsemu_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func TestSDKAuth(t *testing.T) {
	tests := []struct {
		name      string
		anonymous bool // emulator option AllowAnonymous
		keyID     string
		secret    string
		token     string
		version   sls.AuthVersionType
		status    int32 // 0: success
		code      string
	}{
		{name: "v1", keyID: testKeyID, secret: testSecret, version: sls.AuthV1},
		{name: "v1 wrong secret", keyID: testKeyID, secret: "wrong", version: sls.AuthV1, status: 401, code: "SignatureNotMatch"},
		{name: "v1 unknown key", keyID: "LTAInobody", secret: testSecret, version: sls.AuthV1, status: 401, code: "Unauthorized"},
		{name: "v1 key with any sts token", keyID: testKeyID, secret: testSecret, token: "whatever", version: sls.AuthV1},
		{name: "sts key with its token", keyID: "STS.temp", secret: "sts-secret", token: "sts-token", version: sls.AuthV1},
		{name: "sts key with wrong token", keyID: "STS.temp", secret: "sts-secret", token: "other", version: sls.AuthV1, status: 401, code: "Unauthorized"},
		{name: "sts key without token", keyID: "STS.temp", secret: "sts-secret", version: sls.AuthV1, status: 401, code: "Unauthorized"},
		{name: "v4", keyID: testKeyID, secret: testSecret, version: sls.AuthV4},
		{name: "v4 sts", keyID: "STS.temp", secret: "sts-secret", token: "sts-token", version: sls.AuthV4},
		{name: "v4 wrong secret", keyID: testKeyID, secret: "wrong", version: sls.AuthV4, status: 401, code: "SignatureNotMatch"},
		{name: "v0 rejected", version: sls.AuthV0, status: 401, code: "Unauthorized"},
		{name: "v0 allowed", anonymous: true, version: sls.AuthV0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEmu(t, 2, slsemu.Options{AllowAnonymous: tt.anonymous})
			e.AddSTSKey("STS.temp", "sts-secret", "sts-token")
			c := sls.CreateNormalInterface(e.endpoint, tt.keyID, tt.secret, tt.token)
			hc := slsemu.HTTPClient(e.url)
			defer hc.CloseIdleConnections()
			c.SetHTTPClient(hc)
			c.SetRetryTimeout(2 * time.Second)
			c.SetAuthVersion(tt.version)
			c.SetRegion("cn-hangzhou")

			// A GET without body and a POST with a compressed body.
			_, errList := c.ListShards(testProject, testLogstore)
			errPut := c.PutLogs(testProject, testLogstore, logGroup(1, 3))
			for _, err := range []error{errList, errPut} {
				if tt.status == 0 {
					if err != nil {
						t.Fatalf("want success, got %v", err)
					}
					continue
				}
				assertSLSError(t, err, tt.status, tt.code)
			}
		})
	}
}

// signedRequest builds a request signed like the SDKs sign it (V1), with date as the Date header.
func signedRequest(t testing.TB, e *emu, method, uri string, body []byte, headers map[string]string, date time.Time) *http.Request {
	t.Helper()
	h := map[string]string{"x-log-apiversion": "0.6.0", "x-log-bodyrawsize": "0", "Date": date.UTC().Format(http.TimeFormat)}
	for k, v := range headers {
		h[k] = v
	}
	if err := sls.NewSignerV1(testKeyID, testSecret).Sign(method, uri, h, body); err != nil {
		t.Fatal(err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytesReader(body)
	}
	req, err := http.NewRequest(method, "http://"+testProject+"."+e.endpoint+uri, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return req
}

func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestAuthRejectsSkewAndTampering(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	hc := slsemu.HTTPClient(e.url)
	defer hc.CloseIdleConnections()
	uri := "/logstores/" + testLogstore + "/shards"

	resp, body := do(t, hc, signedRequest(t, e, "GET", uri, nil, nil, time.Now().Add(-time.Hour)))
	if resp.StatusCode != 403 || !jsonHasCode(body, "RequestTimeTooSkewed") {
		t.Errorf("skewed date: %d %s", resp.StatusCode, body)
	}

	// A body that differs from the signed one (same length, so only the MD5 tells).
	req := signedRequest(t, e, "POST", "/logstores/"+testLogstore+"/consumergroups", []byte(`{"consumerGroup":"cg","timeout":60,"order":false}`),
		map[string]string{"Content-Type": "application/json"}, time.Now())
	req.Body = io.NopCloser(bytesReader([]byte(`{"consumerGroup":"cx","timeout":60,"order":false}`)))
	resp, body = do(t, hc, req)
	if resp.StatusCode != 400 || !jsonHasCode(body, "InvalidContentMD5") {
		t.Errorf("tampered body: %d %s", resp.StatusCode, body)
	}

	// A changed query parameter breaks the signature.
	req = signedRequest(t, e, "GET", "/logstores/"+testLogstore+"/shards/0?from=begin&type=cursor", nil, nil, time.Now())
	req.URL.RawQuery = "from=end&type=cursor"
	resp, body = do(t, hc, req)
	if resp.StatusCode != 401 || !jsonHasCode(body, "SignatureNotMatch") || resp.Header.Get("x-log-requestid") == "" {
		t.Errorf("changed query: %d %s", resp.StatusCode, body)
	}
}

// Python signs V4 with the Host without its port; behind a proxy the request-URI still carries the port.
func TestAuthV4HostWithoutPort(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	pu, _ := url.Parse(e.url)
	tr := &http.Transport{Proxy: http.ProxyURL(pu)}
	defer tr.CloseIdleConnections()
	uri := "/logstores/" + testLogstore + "/shards"
	h := map[string]string{
		"x-log-apiversion":  "0.6.0",
		"x-log-bodyrawsize": "0",
		"x-log-date":        time.Now().UTC().Format("20060102T150405Z"),
		"Host":              testProject + ".sls.emu.invalid",
	}
	if err := sls.NewSignerV4(testKeyID, testSecret, "cn-hangzhou").Sign("GET", uri, h, nil); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", "http://"+testProject+"."+e.endpoint+uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		if k != "Host" {
			req.Header.Set(k, v)
		}
	}
	resp, body := do(t, &http.Client{Transport: tr}, req)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}
