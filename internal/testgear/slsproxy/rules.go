package slsproxy

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"github.com/gogo/protobuf/proto"
	"github.com/pierrec/lz4/v4"
)

// SetHeader sets header k to v (x-log-bodyrawsize -1, a count that is not a number...).
func SetHeader(k, v string) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		a.Header.Set(k, v)
		return false
	}
}

// AddToHeader adds d to the integer header k (x-log-count one more or one less than the body holds).
func AddToHeader(k string, d int) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		n, _ := strconv.Atoi(a.Header.Get(k))
		a.Header.Set(k, strconv.Itoa(n+d))
		return false
	}
}

// MoveCursor moves x-log-cursor by d log groups: forward skips data, backward repeats it.
func MoveCursor(d int64) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		b, err := base64.StdEncoding.DecodeString(a.Header.Get("X-Log-Cursor"))
		if err != nil {
			return false
		}
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return false
		}
		a.Header.Set("X-Log-Cursor", base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(n+d, 10))))
		return false
	}
}

// MoveCount changes x-log-count by d and moves x-log-cursor with it, so that only the body disagrees with them.
func MoveCount(d int) Rule {
	count, cursor := AddToHeader("X-Log-Count", d), MoveCursor(int64(d))
	return func(w http.ResponseWriter, r *http.Request, a *Answer) bool {
		count(w, r, a)
		return cursor(w, r, a)
	}
}

// Truncate cuts the body to its first half, keeping the headers (a connection cut short by a middlebox).
func Truncate() Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		a.Body = a.Body[:len(a.Body)/2]
		return false
	}
}

// Endless answers 200 with the headers of the real answer and a chunked body that never ends (until siemship
// closes the connection).
func Endless() Rule {
	return stream(-1)
}

// HugeLength announces a body of n bytes (Content-Length) and sends zeros until siemship closes the connection or
// n bytes went out.
func HugeLength(n int64) Rule {
	return stream(n)
}

// Trickle sends the real body one byte every interval, and cuts the connection after for (a body that trickles
// for ever is bounded by siemship's request timeout, a minute; this keeps the test short).
func Trickle(interval, cutAfter time.Duration) Rule {
	return func(w http.ResponseWriter, r *http.Request, a *Answer) bool {
		writeHeader(w, a, int64(len(a.Body)))
		f, _ := w.(http.Flusher)
		deadline := time.Now().Add(cutAfter)
		for i := range a.Body {
			if time.Now().After(deadline) {
				panic(http.ErrAbortHandler) // net/http closes the connection mid-body
			}
			if _, err := w.Write(a.Body[i : i+1]); err != nil {
				return true
			}
			if f != nil {
				f.Flush()
			}
			select {
			case <-r.Context().Done():
				return true
			case <-time.After(interval):
			}
		}
		return true
	}
}

// stream writes a's headers (with Content-Length n when n >= 0) and zeros until the client goes or n bytes are out.
func stream(n int64) Rule {
	return func(w http.ResponseWriter, r *http.Request, a *Answer) bool {
		writeHeader(w, a, n)
		chunk := make([]byte, 64<<10)
		f, _ := w.(http.Flusher)
		for sent := int64(0); n < 0 || sent < n; sent += int64(len(chunk)) {
			if r.Context().Err() != nil {
				return true
			}
			if _, err := w.Write(chunk); err != nil {
				return true
			}
			if f != nil {
				f.Flush()
			}
		}
		return true
	}
}

func writeHeader(w http.ResponseWriter, a *Answer, length int64) {
	for k, vs := range a.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if length >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(length, 10))
	}
	w.WriteHeader(a.Status)
}

// SLSError answers with an SLS error (status, JSON body with errorCode and errorMessage), e.g. 400 InvalidCursor
// for a cursor that is perfectly valid.
func SLSError(status int, code, message string) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		a.Status = status
		a.Header = http.Header{"Content-Type": {"application/json"}, "X-Log-Requestid": {"slsproxy"}}
		a.Body = []byte(fmt.Sprintf(`{"errorCode":%q,"errorMessage":%q}`, code, message))
		return false
	}
}

// HTMLError answers with status and an HTML page of about size bytes, as a load balancer in front of SLS does.
func HTMLError(status, size int) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		a.Status = status
		a.Header = http.Header{"Content-Type": {"text/html"}}
		page := []byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>\n")
		for len(page) < size {
			page = append(page, "<p>&quot;upstream&quot; said \"no\" \\ again</p>\n"...)
		}
		a.Body = append(page, "</body></html>\n"...)
		return false
	}
}

// Redirect answers 302 to location.
func Redirect(location string) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		a.Status = http.StatusFound
		a.Header = http.Header{"Location": {location}}
		a.Body = nil
		return false
	}
}

// Wire-type faults of Relist.
const (
	GroupsAsVarint = "groups-as-varint" // LogGroupList.LogGroups (field 1) as varints
	LogsAsFixed32  = "logs-as-fixed32"  // LogGroup.Logs (field 1) as fixed32
	TimeAsBytes    = "time-as-bytes"    // Log.Time (field 1) as a length-delimited field
)

// Relist decodes the real (lz4) answer and encodes its log groups again with the wire-type fault named by mode,
// with headers that match the new body: only the body's wire types are wrong.
func Relist(mode string) Rule {
	return func(_ http.ResponseWriter, _ *http.Request, a *Answer) bool {
		raw, err := strconv.Atoi(a.Header.Get("X-Log-Bodyrawsize"))
		if err != nil || raw <= 0 || a.Header.Get("X-Log-Compresstype") != "lz4" {
			return false
		}
		plain := make([]byte, raw)
		if _, err := lz4.UncompressBlock(a.Body, plain); err != nil {
			return false
		}
		lgl, err := sls.LogsBytesDecode(plain)
		if err != nil {
			return false
		}
		var out []byte
		for _, g := range lgl.LogGroups {
			out = appendGroup(out, g, mode)
		}
		comp := make([]byte, lz4.CompressBlockBound(len(out)))
		n, err := lz4.CompressBlock(out, comp, nil)
		if err != nil || n == 0 {
			return false
		}
		a.Body = comp[:n]
		a.Header.Set("X-Log-Bodyrawsize", strconv.Itoa(len(out)))
		return false
	}
}

func appendGroup(out []byte, g *sls.LogGroup, mode string) []byte {
	if mode == GroupsAsVarint {
		return append(append(out, 1<<3|0), proto.EncodeVarint(uint64(len(g.Logs)))...)
	}
	logs := g.Logs
	rest := *g
	rest.Logs = nil
	restBytes, _ := proto.Marshal(&rest)
	var gb []byte
	for _, l := range logs {
		switch mode {
		case LogsAsFixed32:
			gb = append(gb, 1<<3|5, 1, 0, 0, 0)
		case TimeAsBytes:
			var lb []byte
			lb = appendBytes(lb, 1, []byte(strconv.FormatUint(uint64(l.GetTime()), 10)))
			for _, c := range l.Contents {
				cb, _ := proto.Marshal(c)
				lb = appendBytes(lb, 2, cb)
			}
			gb = appendBytes(gb, 1, lb)
		default:
			lb, _ := proto.Marshal(l)
			gb = appendBytes(gb, 1, lb)
		}
	}
	return appendBytes(out, 1, append(gb, restBytes...))
}

func appendBytes(dst []byte, num int, v []byte) []byte {
	dst = append(dst, proto.EncodeVarint(uint64(num<<3|2))...)
	dst = append(dst, proto.EncodeVarint(uint64(len(v)))...)
	return append(dst, v...)
}
