package consumer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// gatewayPage is what a load balancer in front of SLS answers during an outage.
const gatewayPage = `<html>
<head><title>502 Bad Gateway</title><style>body { color: red; }</style></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx &amp; friends</center>
</body>
</html>`

// retriedGatewayError is the error the SDK returns when its retries end on gateway pages: a *sls.Error
// (ClientError) whose message holds the retry loop's text with the *sls.BadResponseError dumped into it.
func retriedGatewayError() error {
	bad := &sls.BadResponseError{RespBody: gatewayPage, HTTPCode: 502, ErrorMessage: "server returned an error response with invalid JSON format:invalid character '<' looking for beginning of value",
		RespHeader: http.Header{"X-Log-Requestid": {"5F0C2B7E1A2B3C4D"}, "Content-Type": {"text/html"}}}
	// what the SDK's RetryWithCondition (pkg/errors.Wrapf) and NewClientError make of it
	return sls.NewClientError(fmt.Errorf("stopped retrying err: %v: %w", bad, context.DeadlineExceeded))
}

func TestOneLine(t *testing.T) {
	long := &sls.BadResponseError{RespBody: strings.Repeat("x", 1000), HTTPCode: 503}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"sls error", fmt.Errorf("list shards of p/l: %w", &sls.Error{HTTPCode: 403, Code: "SignatureNotMatch",
			Message: "The request signature we calculated does not match.", RequestID: "66F0A1"}),
			"list shards of p/l: SLS answered HTTP 403 SignatureNotMatch: The request signature we calculated does not match. (request id 66F0A1)"},
		{"html answer", fmt.Errorf("get cursor: %w", &sls.BadResponseError{RespBody: gatewayPage, HTTPCode: 502,
			RespHeader: http.Header{"X-Log-Requestid": {"AB12"}}}),
			`get cursor: SLS answered HTTP 502, body "502 Bad Gateway 502 Bad Gateway nginx & friends" (request id AB12)`},
		{"retried html answer", fmt.Errorf("checkpoints of consumer group %q: %w", "g", retriedGatewayError()),
			`checkpoints of consumer group "g": sls client error: stopped retrying err: SLS answered HTTP 502, not an SLS error, body "502 Bad Gateway 502 Bad Gateway nginx & friends" (request id 5F0C2B7E1A2B3C4D): context deadline exceeded`},
		{"unreadable answer", sls.NewClientError(errors.New((&sls.BadResponseError{RespBody: "Service Unavailable\n", HTTPCode: 503,
			ErrorMessage: "fail to read"}).Error())), `SLS answered HTTP 503, fail to read, body "Service Unavailable"`},
		{"body cut", long, `SLS answered HTTP 503, body "` + strings.Repeat("x", 200) + `…"`},
		{"network", sls.NewClientError(errors.New("Get \"http://p.example/logstores\": dial tcp 10.0.0.1:80: connect: connection refused")),
			`sls client error: Get "http://p.example/logstores": dial tcp 10.0.0.1:80: connect: connection refused`},
		{"not an sdk error", errors.New("shard 1: {not json} and {\"a\": 1}"), "shard 1: {not json} and {\"a\": 1}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := OneLine(tt.err)
			if got.Error() != tt.want {
				t.Errorf("OneLine:\n got %s\nwant %s", got, tt.want)
			}
			var se *sls.Error
			var bre *sls.BadResponseError
			if errors.As(tt.err, &se) != errors.As(got, &se) || errors.As(tt.err, &bre) != errors.As(got, &bre) {
				t.Errorf("errors.As does not find the SDK's error through OneLine")
			}
		})
	}
	if OneLine(nil) != nil {
		t.Error("OneLine(nil) != nil")
	}
	if plain := errors.New("plain"); OneLine(plain) != plain {
		t.Error("OneLine wrapped an error that needed no change")
	}
}

// TestKitLoggerOneLineSDKErrors: an SDK error logged by the consumer library reaches siemship's log as one short
// line, not as the SDK's JSON with an HTML page escaped in it.
func TestKitLoggerOneLineSDKErrors(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	k := kitLogger{z: zap.New(core)}
	_ = k.Log("level", "warn", "msg", "shard pull logs failed, occur sls error", "shard", 1, "error", retriedGatewayError())
	e := logs.TakeAll()
	if len(e) != 1 {
		t.Fatalf("%d entries", len(e))
	}
	got, _ := e[0].ContextMap()["error"].(string)
	if strings.ContainsAny(got, "\n\\") || strings.Contains(got, "<html") || !strings.Contains(got, "SLS answered HTTP 502") || len(got) > 400 {
		t.Errorf("error field %q: want one line without markup or escapes", got)
	}
	if _, verbose := e[0].ContextMap()["errorVerbose"]; verbose {
		t.Error("the entry has an errorVerbose field")
	}
}
