package slsemu

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

func (s *Server) shardOf(req *request, ls *logstore) (*shard, *apiError) {
	id, err := strconv.Atoi(req.shard)
	if err != nil || id < 0 {
		return nil, errorf(http.StatusBadRequest, "ParameterInvalid", "shard id %q is not a number", req.shard)
	}
	sh, ok := ls.shard(id)
	if !ok {
		return nil, errorf(http.StatusBadRequest, "ShardNotExist", "Shard %d does not exist", id)
	}
	return sh, nil
}

type shardJSON struct {
	ShardID           int    `json:"shardID"`
	Status            string `json:"status"`
	InclusiveBeginKey string `json:"inclusiveBeginKey"`
	ExclusiveEndKey   string `json:"exclusiveEndKey"`
	CreateTime        int64  `json:"createTime"`
}

func toShardJSON(sh *shard) shardJSON {
	return shardJSON{
		ShardID:           sh.id,
		Status:            shardStatus(sh.isReadOnly()),
		InclusiveBeginKey: hex.EncodeToString(sh.beginKey[:]),
		ExclusiveEndKey:   hex.EncodeToString(sh.endKey[:]),
		CreateTime:        sh.created.Unix(),
	}
}

func (s *Server) listShards(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	out := []shardJSON{}
	for _, sh := range ls.allShards() {
		out = append(out, toShardJSON(sh))
	}
	writeJSON(w, req, out)
	return nil
}

// splitShard implements POST /logstores/{ls}/shards/{id}?action=split[&key=hex][&shardCount=2].
func (s *Server) splitShard(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	q := req.r.URL.Query()
	if n := q.Get("shardCount"); n != "" && n != "2" {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "the emulator splits into 2 shards only, got shardCount=%s", n)
	}
	id, err := strconv.Atoi(req.shard)
	if err != nil {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "shard id %q is not a number", req.shard)
	}
	var key *[16]byte
	if k := q.Get("key"); k != "" {
		kk, err := parseHashKey(k)
		if err != nil {
			return errorf(http.StatusBadRequest, "ParameterInvalid", "split key %q: %v", k, err)
		}
		key = &kk
	}
	shards, err := ls.split(id, key, s.now())
	switch {
	case errors.Is(err, errShardNotExist):
		return errorf(http.StatusBadRequest, "ShardNotExist", "Shard %d does not exist", id)
	case errors.Is(err, errReadOnly):
		return errorf(http.StatusBadRequest, "ShardReadOnly", "Shard %d is read-only", id)
	case err != nil:
		return errorf(http.StatusBadRequest, "ParameterInvalid", "%v", err)
	}
	out := make([]shardJSON, 0, len(shards))
	for _, sh := range shards {
		out = append(out, toShardJSON(sh))
	}
	writeJSON(w, req, out)
	return nil
}

func (s *Server) getCursor(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	sh, aerr := s.shardOf(req, ls)
	if aerr != nil {
		return aerr
	}
	from := req.r.URL.Query().Get("from")
	begin, end := sh.bounds()
	var c int64
	switch from {
	case "begin":
		c = begin
	case "end":
		c = end
	default:
		t, err := strconv.ParseInt(from, 10, 64)
		if err != nil || t < 0 {
			return errorf(http.StatusBadRequest, "ParameterInvalid", "from must be begin, end or a unix time in seconds, got %q", from)
		}
		c = sh.cursorAt(t)
	}
	writeJSON(w, req, map[string]string{"cursor": EncodeCursor(c)})
	return nil
}

func (s *Server) getCursorTime(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	sh, aerr := s.shardOf(req, ls)
	if aerr != nil {
		return aerr
	}
	cursor := req.r.URL.Query().Get("cursor")
	c, err := DecodeCursor(cursor)
	if err != nil {
		return errorf(http.StatusBadRequest, "InvalidCursor", "cursor %q is invalid", cursor)
	}
	t, err := sh.timeAt(c)
	if err != nil {
		return errorf(http.StatusBadRequest, "InvalidCursor", "cursor %q is out of range", cursor)
	}
	writeJSON(w, req, map[string]int64{"cursor_time": t.Unix()})
	return nil
}

// pullLogs implements GET /logstores/{ls}/shards/{id}?type=logs|log&cursor=&count=[&end_cursor=] (§18).
func (s *Server) pullLogs(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	sh, aerr := s.shardOf(req, ls)
	if aerr != nil {
		return aerr
	}
	q := req.r.URL.Query()
	if q.Get("query") != "" || q.Get("processor") != "" {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "SPL query and consume processors are not supported by the sls emulator")
	}
	count := windowGroups
	if cs := q.Get("count"); cs != "" {
		n, err := strconv.Atoi(cs)
		if err != nil || n < 1 || n > windowGroups {
			return errorf(http.StatusBadRequest, "ParameterInvalid", "count must be between 1 and %d, got %q", windowGroups, cs)
		}
		count = n
	}
	cursor := q.Get("cursor")
	from, err := DecodeCursor(cursor)
	if err != nil {
		return errorf(http.StatusBadRequest, "InvalidCursor", "cursor %q is invalid", cursor)
	}
	end := int64(-1)
	if es := q.Get("end_cursor"); es != "" {
		if end, err = DecodeCursor(es); err != nil {
			return errorf(http.StatusBadRequest, "InvalidCursor", "end_cursor %q is invalid", es)
		}
	}
	rr, err := sh.read(from, count, end)
	if err != nil {
		begin, last := sh.bounds()
		return errorf(http.StatusBadRequest, "InvalidCursor", "cursor %q is out of range [%s, %s]", cursor, EncodeCursor(begin), EncodeCursor(last))
	}
	typ := compressLZ4
	if strings.Contains(strings.ToLower(req.r.Header.Get("Accept-Encoding")), compressZSTD) {
		typ = compressZSTD
	}
	var body []byte
	raw := 0
	if n := len(rr.groups); n > 0 {
		if rr.win != nil {
			body, raw, _ = rr.win.body(s.codec, typ, rr.groups)
		} else {
			rawBuf, outBuf := getBuf(), getBuf()
			rawBytes, _ := appendGroups(*rawBuf, rr.groups)
			raw = len(rawBytes)
			body = s.codec.compressTo(typ, rawBytes, *outBuf)
			defer func() {
				putBuf(rawBuf, rawBytes)
				putBuf(outBuf, body)
			}()
		}
	}

	h := w.Header()
	h.Set("x-log-requestid", req.id)
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("x-log-cursor", EncodeCursor(rr.to))
	h.Set("x-log-count", strconv.Itoa(len(rr.groups)))
	h.Set("x-log-bodyrawsize", strconv.Itoa(raw))
	h.Set("x-log-read-last-cursor", strconv.FormatInt(rr.to-1, 10))
	if rr.atEnd {
		h.Set("x-log-end-of-cursor", "1")
	} else {
		h.Set("x-log-end-of-cursor", "0")
	}
	if raw > 0 {
		h.Set("x-log-compresstype", typ)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// putLogs implements POST /logstores/{ls}, /shards/lb and /shards/route?key= (§19).
func (s *Server) putLogs(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	h := req.r.Header
	rawSize := -1
	if v := h.Get("x-log-bodyrawsize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errorf(http.StatusBadRequest, "InvalidBodyRawSize", "x-log-bodyrawsize %q is invalid", v)
		}
		rawSize = n
	}
	typ := strings.ToLower(h.Get("x-log-compresstype"))
	switch typ {
	case "", compressLZ4, compressZSTD, compressDeflate:
	default:
		return errorf(http.StatusBadRequest, "InvalidCompressType", "compress type %q is not supported", typ)
	}
	if rawSize > s.o.MaxBodyBytes {
		return errorf(http.StatusBadRequest, "PostBodyTooLarge", "raw body of %d bytes exceeds %d", rawSize, s.o.MaxBodyBytes)
	}
	raw, err := s.codec.decompress(typ, req.body, rawSize)
	if err != nil {
		if errors.Is(err, errRawSize) {
			return errorf(http.StatusBadRequest, "InvalidBodyRawSize", "%v", err)
		}
		return errorf(http.StatusBadRequest, "PostBodyUncompressError", "%v", err)
	}
	var lg sls.LogGroup
	if err := lg.Unmarshal(raw); err != nil {
		return errorf(http.StatusBadRequest, "PostBodyInvalid", "body is not a LogGroup: %v", err)
	}
	for _, l := range lg.Logs {
		if l == nil {
			return errorf(http.StatusBadRequest, "PostBodyInvalid", "nil log")
		}
	}
	key := ""
	if req.shard == "route" {
		key = req.r.URL.Query().Get("key")
		if key == "" {
			return errorf(http.StatusBadRequest, "ParameterInvalid", "route needs a key")
		}
	}
	sh, err := ls.pick(key)
	switch {
	case errors.Is(err, errBadHashKey):
		return errorf(http.StatusBadRequest, "ParameterInvalid", "hash key %q is not hexadecimal", key)
	case err != nil:
		return errorf(http.StatusBadRequest, "ShardNotExist", "%v", err)
	}
	stored := storedGroup{framed: frameGroup(raw), logs: int32(len(lg.Logs))}
	if _, err := sh.append(s.now(), []storedGroup{stored}); err != nil {
		// The shard became read-only between pick and append (a concurrent split): pick again once.
		if sh, err = ls.pick(key); err == nil {
			_, err = sh.append(s.now(), []storedGroup{stored})
		}
		if err != nil {
			return errorf(http.StatusInternalServerError, "InternalServerError", "store log group: %v", err)
		}
	}
	writeJSON(w, req, nil)
	return nil
}
