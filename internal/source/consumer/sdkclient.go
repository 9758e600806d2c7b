package consumer

import (
	"reflect"
	"time"
	"unsafe"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	consumerLibrary "github.com/aliyun/aliyun-log-go-sdk/consumer"
)

// The SDK's own defaults (request.go), which prepareSDKClient writes before any request.
const (
	sdkRequestTimeout = 60 * time.Second
	sdkRetryTimeout   = 90 * time.Second
)

// prepareSDKClient works around a data race in aliyun-log-go-sdk v0.1.131: sls.Client.initHttpClient
// (client.go:124) assigns RequestTimeOut and RetryTimeOut on first use while holding only a read lock, so the first
// GetCursor/PullLogs calls of several shard goroutines write them concurrently. The writes store the same values
// and are harmless on amd64 and arm64, but the race detector reports them. Setting both fields before the worker
// starts leaves initHttpClient nothing to write. The client sits in unexported fields of the worker, so this
// reaches it by reflection; it reports false (and changes nothing) if a future SDK changes that layout.
func prepareSDKClient(w *consumerLibrary.ConsumerWorker) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	cc := reflect.ValueOf(w).Elem().FieldByName("client")
	if !cc.IsValid() || cc.Kind() != reflect.Pointer || cc.IsNil() {
		return false
	}
	inner := cc.Elem().FieldByName("client")
	if !inner.IsValid() || inner.Kind() != reflect.Interface {
		return false
	}
	v := reflect.NewAt(inner.Type(), unsafe.Pointer(inner.UnsafeAddr())).Elem().Interface()
	c, isClient := v.(*sls.Client)
	if !isClient || c == nil {
		return false
	}
	if c.RequestTimeOut == 0 {
		c.RequestTimeOut = sdkRequestTimeout
	}
	if c.RetryTimeOut == 0 {
		c.RetryTimeOut = sdkRetryTimeout
	}
	return true
}
