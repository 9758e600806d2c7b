package hecemu_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

// discardWriter is a minimal http.ResponseWriter.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// smallEvents is a body of n events of about 190 bytes each, shaped like what the sink sends.
func smallEvents(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"time":1700000000.%03d,"host":"sls-audit","source":"sls:proj/audit","sourcetype":"siemship:json",`+
			`"event":{"__time__":"2026-01-01T00:00:00.%03dZ","seq":"%d","eventName":"StopInstance","result":"success"}}`+"\n",
			i%1000, i%1000, i)
	}
	return b.Bytes()
}

func benchRequest(b *testing.B, o hecemu.Options, gzipBody bool, renew int) {
	const n = 1000
	body := smallEvents(n)
	hr := req{token: tokAck, channel: chanA}.build(b, "http://hec.test")
	if gzipBody {
		body = gzipped(b, body)
		hr.Header.Set("Content-Encoding", "gzip")
	}
	hr.ContentLength = int64(len(body))
	s := newServer(o)
	w := &discardWriter{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if renew > 0 && i > 0 && i%renew == 0 { // bound the ledger's memory
			b.StopTimer()
			s = newServer(o)
			b.StartTimer()
		}
		hr.Body = io.NopCloser(bytes.NewReader(body))
		clear(w.h)
		s.ServeHTTP(w, hr)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEventRequest is one request of 1000 small events with ack, into the ledger.
func BenchmarkEventRequest(b *testing.B) {
	benchRequest(b, hecemu.Options{}, false, 1000)
}

// BenchmarkEventRequestCountOnly is the same without keeping the events.
func BenchmarkEventRequestCountOnly(b *testing.B) {
	benchRequest(b, hecemu.Options{CountOnly: true}, false, 0)
}

// BenchmarkEventRequestGzip is BenchmarkEventRequest with a gzip body.
func BenchmarkEventRequestGzip(b *testing.B) {
	benchRequest(b, hecemu.Options{}, true, 1000)
}
