package slsemu_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// discardWriter is a minimal http.ResponseWriter that only counts the body.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

const benchRecords = 100_000 // 10,000 log groups of 10 records: 10 windows of 1000 groups, about 34 MB raw

// benchServer returns a server holding generated data on one shard and the shard's begin cursor.
func benchServer(b *testing.B) (*slsemu.Server, int64) {
	b.Helper()
	s := slsemu.New(slsemu.Options{Logger: zap.NewNop()})
	if err := s.AddLogstore(testProject, testLogstore, 1, 0); err != nil {
		b.Fatal(err)
	}
	s.AddKey(testKeyID, testSecret)
	if err := s.Generate(testProject, testLogstore, benchRecords); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	begin, err := slsemu.DecodeCursor(s.Stats().Logstores[0].Shards[0].BeginCursor)
	if err != nil {
		b.Fatal(err)
	}
	return s, begin
}

// pullRequest builds a PullLogs request signed like the Go SDK signs it.
func pullRequest(b *testing.B, cursor int64, count int, encoding string) *http.Request {
	b.Helper()
	q := url.Values{"type": {"logs"}, "cursor": {slsemu.EncodeCursor(cursor)}, "count": {strconv.Itoa(count)}}
	uri := "/logstores/" + testLogstore + "/shards/0?" + q.Encode()
	h := map[string]string{"x-log-bodyrawsize": "0", "x-log-apiversion": "0.6.0", "Date": time.Now().UTC().Format(http.TimeFormat),
		"Accept": "application/x-protobuf", "Accept-Encoding": encoding}
	if err := sls.NewSignerV1(testKeyID, testSecret).Sign("GET", uri, h, nil); err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest("GET", "http://"+testProject+".sls.emu.invalid"+uri, nil)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return req
}

// BenchmarkPullLogs measures PullLogs through the handler, as the consumer library asks for it (count=1000 from
// consecutive cursors). b.SetBytes is the raw (uncompressed) LogGroupList size served per call, so MB/s is raw log
// data. Run with -cpu 1 for the one-core figure.
func BenchmarkPullLogs(b *testing.B) {
	s, begin := benchServer(b)
	h := s.Handler()
	for _, bc := range []struct {
		name     string
		count    int
		offset   int64
		encoding string
	}{
		{"lz4-count1000", 1000, 0, "lz4"},          // aligned windows: served from the pre-compressed cache
		{"zstd-count1000", 1000, 0, "zstd"},        // compressed once per window on first use, then cached
		{"lz4-count500-uncached", 500, 0, "lz4"},   // not a whole window: encoded and compressed per request
		{"zstd-count500-uncached", 500, 0, "zstd"}, // idem with zstd
	} {
		b.Run(bc.name, func(b *testing.B) {
			const windows = benchRecords / 10 / 1000
			reqs := make([]*http.Request, windows)
			for i := range reqs {
				reqs[i] = pullRequest(b, begin+int64(i)*1000+bc.offset, bc.count, bc.encoding)
			}
			w := &discardWriter{h: http.Header{}}
			// Warm up (fills the zstd window cache) and find the raw size per call.
			raw := 0
			for _, r := range reqs {
				clear(w.h)
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				n, _ := strconv.Atoi(w.h.Get("x-log-bodyrawsize"))
				raw += n
			}
			b.SetBytes(int64(raw / windows))
			wire := float64(w.n) / float64(windows)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				h.ServeHTTP(w, reqs[i%windows])
			}
			b.ReportMetric(wire, "wire-B/op") // after the loop: ResetTimer drops reported metrics
		})
	}
}

// BenchmarkPullLogsLoopback serves the same pulls over a real loopback connection to a client that reads but does not
// decode the body, to show the cost of the HTTP stack around the handler.
func BenchmarkPullLogsLoopback(b *testing.B) {
	s, begin := benchServer(b)
	u, err := s.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hc := slsemu.HTTPClient(u)
	defer hc.CloseIdleConnections()
	const windows = benchRecords / 10 / 1000
	reqs := make([]*http.Request, windows)
	for i := range reqs {
		reqs[i] = pullRequest(b, begin+int64(i)*1000, 1000, "lz4")
	}
	raw, wire := 0, int64(0)
	fetch := func(r *http.Request) int {
		resp, err := hc.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		wire = n
		resp.Body.Close()
		size, _ := strconv.Atoi(resp.Header.Get("x-log-bodyrawsize"))
		return size
	}
	for _, r := range reqs {
		raw += fetch(r)
	}
	b.SetBytes(int64(raw / windows))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		fetch(reqs[i%windows])
	}
	b.ReportMetric(float64(wire), "wire-B/op")
}
