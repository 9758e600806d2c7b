// Package slsemu is a wire-compatible emulator of the Alibaba Cloud Simple Log Service (SLS) API subset that the
// SLS consumer library uses: shards, cursors, PullLogs, PutLogs and consumer groups, with V1/V4 request signatures,
// a data generator, retention, shard split and fault injection.
//
// The unmodified Go SDK (github.com/aliyun/aliyun-log-go-sdk) and the Python SDK can talk to it: the project is
// taken from the Host header, requests may arrive in origin-form or in absolute-form through HTTP_PROXY, and
// HTTPClient returns an *http.Client that dials the emulator whatever host the SDK asks for.
//
// Fault knobs, statistics and administration live under /_emulator/ (JSON, no signature), and in the Go API of
// Server. The consumer-group state machine itself is package groupstate.
package slsemu
