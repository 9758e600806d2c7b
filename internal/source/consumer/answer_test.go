package consumer

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func cursorOf(n int64) string { return b64(strconv.FormatInt(n, 10)) }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestCheckPullHeaders(t *testing.T) {
	const maxRaw = 1 << 20
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		h.Set("X-Log-Cursor", cursorOf(110))
		h.Set("X-Log-Count", "10")
		h.Set("X-Log-Bodyrawsize", "5000")
		h.Set("X-Log-Compresstype", "lz4")
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				h.Del(kv[i])
			} else {
				h.Set(kv[i], kv[i+1])
			}
		}
		return h
	}
	for _, c := range []struct {
		name   string
		h      http.Header
		query  bool
		reason string // "" = accepted
	}{
		{"good", hdr(), false, ""},
		{"caught up", hdr("X-Log-Cursor", cursorOf(100), "X-Log-Count", "0", "X-Log-Bodyrawsize", "0", "X-Log-Compresstype", ""), false, ""},
		{"raw size -1", hdr("X-Log-Bodyrawsize", "-1"), false, ReasonHeader},
		{"raw size -5", hdr("X-Log-Bodyrawsize", "-5"), false, ReasonHeader},
		{"raw size not a number", hdr("X-Log-Bodyrawsize", "12abc"), false, ReasonHeader},
		{"raw size missing", hdr("X-Log-Bodyrawsize", ""), false, ReasonHeader},
		{"raw size 0 with groups", hdr("X-Log-Bodyrawsize", "0"), false, ReasonHeader},
		{"raw size 4 GiB", hdr("X-Log-Bodyrawsize", "4294967296"), false, ReasonTooLarge},
		{"raw size past int64", hdr("X-Log-Bodyrawsize", "99999999999999999999"), false, ReasonHeader},
		{"count missing", hdr("X-Log-Count", ""), false, ReasonHeader},
		{"count negative", hdr("X-Log-Count", "-1"), false, ReasonHeader},
		{"count above the request's", hdr("X-Log-Count", "1001", "X-Log-Cursor", cursorOf(1101)), false, ReasonHeader},
		{"no cursor", hdr("X-Log-Cursor", ""), false, ReasonHeader},
		{"no compression", hdr("X-Log-Compresstype", ""), false, ReasonHeader},
		{"deflate", hdr("X-Log-Compresstype", "deflate"), false, ReasonHeader},
		{"cursor back", hdr("X-Log-Cursor", cursorOf(99)), false, ReasonCursor},
		{"cursor jumps ahead", hdr("X-Log-Cursor", cursorOf(115)), false, ReasonCursor},
		{"cursor short of the count", hdr("X-Log-Cursor", cursorOf(105)), false, ReasonCursor},
		{"query: cursor ahead of the count", hdr("X-Log-Cursor", cursorOf(115)), true, ""},
		{"query: cursor short of the count", hdr("X-Log-Cursor", cursorOf(105)), true, ReasonCursor},
		{"opaque cursor", hdr("X-Log-Cursor", "not-base64!"), false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := checkPullHeaders(c.h, 3, cursorOf(100), 1000, c.query, maxRaw)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var bad *BadAnswerError
			if !errors.As(err, &bad) || bad.Reason != c.reason || bad.Shard != 3 {
				t.Fatalf("got %v, want a refusal for %s", err, c.reason)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
		})
	}
}

func TestCursorValue(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{cursorOf(0), 0, true},
		{cursorOf(1547470682356153916), 1547470682356153916, true},
		{"MTA=", 10, true},
		{"", 0, false},
		{"!!", 0, false},
		{b64("12a"), 0, false},
	} {
		got, ok := cursorValue(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("cursorValue(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestReadPullBody: a body is read only up to what its raw size can compress to; a longer one, announced or not,
// is refused, and a body with a raw size of 0 must be empty.
func TestReadPullBody(t *testing.T) {
	resp := func(body string, length int64) *http.Response {
		return &http.Response{Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}
	}
	long := strings.Repeat("x", 3000)
	for _, c := range []struct {
		name    string
		resp    *http.Response
		rawSize int
		ok      bool
	}{
		{"known length", resp("abc", 3), 10, true},
		{"chunked", resp("abc", -1), 10, true},
		{"empty for raw size 0", resp("", 0), 0, true},
		{"body with raw size 0", resp("abc", 3), 0, false},
		{"chunked body with raw size 0", resp("abc", -1), 0, false},
		{"announced longer than the bound", resp("", 900<<20), 10, false},
		{"chunked longer than the bound", resp(long, -1), 10, false},
		{"shorter than announced", resp("abc", 5), 10, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readPullBody(c.resp, 1, c.rawSize, 1<<30, nil)
			if c.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			var bad *BadAnswerError
			if err != nil && (!errors.As(err, &bad) || bad.Reason != ReasonBody) {
				t.Fatalf("err = %v, want a body refusal", err)
			}
		})
	}
	// A body that fits its raw size but not the memory left for it.
	var bad *BadAnswerError
	if _, err := readPullBody(resp("abcdef", 6), 1, 10, 5, nil); !errors.As(err, &bad) || bad.Reason != ReasonTooLarge {
		t.Errorf("announced body past the room: %v", err)
	}
	if _, err := readPullBody(resp("abcdef", -1), 1, 10, 5, nil); !errors.As(err, &bad) || bad.Reason != ReasonBody {
		t.Errorf("chunked body past the room: %v", err)
	}
}

// TestAnswerGuard: answers are bounded (announced or streamed), redirects are refused, successful pulls get the
// pull bound.
func TestAnswerGuard(t *testing.T) {
	big := strings.Repeat("y", maxAnswerBytes+10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("case") {
		case "redirect":
			http.Redirect(w, r, "http://elsewhere.example/", http.StatusFound)
		case "long":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		case "endless":
			w.WriteHeader(http.StatusBadGateway)
			for range 100 {
				if _, err := io.WriteString(w, big[:1<<20]); err != nil {
					return
				}
			}
		default:
			io.WriteString(w, big)
		}
	}))
	defer srv.Close()
	g := guardClient(srv.Client(), 8<<20)
	get := func(path string) ([]byte, error) {
		resp, err := g.Get(srv.URL + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	if _, err := get("/logstores/x/consumergroups?case=redirect"); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("redirect: %v", err)
	}
	var bad *BadAnswerError
	if _, err := get("/logstores/x/shards/2?type=logs&cursor=MA%3D%3D&case=redirect"); !errors.As(err, &bad) ||
		bad.Reason != ReasonStatus || bad.Shard != 2 {
		t.Errorf("redirected pull: %v, want a status refusal of shard 2", err)
	}
	if _, err := get("/logstores/x/consumergroups?case=long"); !errors.Is(err, errAnswerTooLong) {
		t.Errorf("announced too long: %v", err)
	}
	if b, err := get("/logstores/x/consumergroups?case=endless"); !errors.Is(err, errAnswerTooLong) || len(b) > maxAnswerBytes {
		t.Errorf("endless error page: %d bytes, %v", len(b), err)
	}
	if b, err := get("/logstores/x/shards/0?type=logs&cursor=MA%3D%3D"); err != nil || len(b) != len(big) {
		t.Errorf("a pull within the pull bound: %d bytes, %v", len(b), err)
	}
}

type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("boom") }

// TestPullTransportRecovers: a panic under the SDK's request becomes an error of that request instead of ending the
// shard's worker or the process.
func TestPullTransportRecovers(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Minute} {
		tr := &pullTransport{next: panicTransport{}, c: &Consumer{log: zap.NewNop()}, timeout: timeout}
		req := httptest.NewRequest(http.MethodGet, "http://p.example/logstores/x/shards", nil)
		resp, err := tr.RoundTrip(req)
		if err == nil || resp != nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("timeout %v: %v, %v", timeout, resp, err)
		}
	}
}

// TestClientTimeouts: the guard takes over the client's timeout (so http.Client starts no timer goroutine per
// request), and the layers above it find it.
func TestClientTimeouts(t *testing.T) {
	g := guardClient(&http.Client{Timeout: 7 * time.Second}, 1<<20)
	if g.Timeout != 0 || requestTimeout(g) != 7*time.Second {
		t.Fatalf("guarded: client timeout %v, request timeout %v", g.Timeout, requestTimeout(g))
	}
	if l := ClientWithTimeout(g, 3*time.Second); l.Timeout != 0 || requestTimeout(l) != 3*time.Second || requestTimeout(g) != 7*time.Second {
		t.Fatalf("with timeout: %v, %v (the original: %v)", l.Timeout, requestTimeout(l), requestTimeout(g))
	}
	w := wrapClient(g, &Consumer{log: zap.NewNop()})
	if pt := w.Transport.(*pullTransport); pt.timeout != 7*time.Second || w.Timeout != 0 {
		t.Fatalf("pull transport timeout %v, client %v", pt.timeout, w.Timeout)
	}
}
