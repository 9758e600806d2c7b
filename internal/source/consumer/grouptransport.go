package consumer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
)

// groupTransport sits under the SDK's HTTP client (below pullTransport) and under siemship's own consumer-group
// calls, and watches the answers about our consumer group: ConsumerGroupNotExist from any call tells groupKeeper
// that the group is gone, a successful heartbeat or checkpoint read that it exists; heartbeats, checkpoint saves
// and checkpoint reads feed ownerWatch; the Date headers place SLS's clock. Requests and answers pass unchanged
// (bodies it reads are put back).
type groupTransport struct {
	next    http.RoundTripper
	group   string
	keeper  *groupKeeper
	watch   *ownerWatch
	found   func([]foreignWrite) // told about checkpoints someone else wrote
	timeout time.Duration        // per request, body included, when this is the outermost transport (see wrapClient)
}

// groupCall is what a request is to our consumer group.
type groupCall int

const (
	callNone      groupCall = iota
	callGroup               // another call on the group (UpdateConsumerGroup...)
	callHeartbeat           // ConsumerGroupHeartBeat
	callSave                // ConsumerGroupUpdateCheckPoint
	callRead                // GetCheckPoint
)

// classifyGroupCall recognises calls on the consumer group named group: /logstores/<ls>/consumergroups/<group>.
func classifyGroupCall(req *http.Request, group string) groupCall {
	rest, ok := strings.CutPrefix(req.URL.Path, "/logstores/")
	if !ok {
		return callNone
	}
	_, g, ok := strings.Cut(rest, "/consumergroups/")
	if !ok || g != group {
		return callNone
	}
	switch req.Method {
	case http.MethodPost:
		switch req.URL.Query().Get("type") {
		case "heartbeat":
			return callHeartbeat
		case "checkpoint":
			return callSave
		}
	case http.MethodGet:
		return callRead
	case http.MethodDelete:
		return callNone
	}
	return callGroup
}

func (t *groupTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.timeout <= 0 {
		return t.roundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.roundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

func (t *groupTransport) roundTrip(req *http.Request) (*http.Response, error) {
	call := classifyGroupCall(req, t.group)
	if call == callNone {
		return t.next.RoundTrip(req)
	}
	w := t.watch
	own := req.Context().Value(ownRequest{}) != nil
	var save struct {
		Shard      *int   `json:"shard"`
		Checkpoint string `json:"checkpoint"`
	}
	var snap readSnapshot
	switch call {
	case callSave:
		if b, ok := peekRequest(req); !ok || json.Unmarshal(b, &save) != nil || save.Shard == nil {
			call = callGroup // not a body we understand: watch only for a missing group
		} else {
			w.saveSent(*save.Shard)
		}
	case callRead:
		snap = w.snapshot()
	}
	s := w.now()
	resp, err := t.next.RoundTrip(req)
	r := w.now()
	if err != nil {
		if call == callSave {
			w.saveDone(*save.Shard, save.Checkpoint, false, r)
		}
		return nil, err
	}
	w.sampleClock(resp.Header.Get("Date"), s, r)
	if resp.StatusCode != http.StatusOK {
		if call == callSave {
			w.saveDone(*save.Shard, save.Checkpoint, false, r)
		}
		switch code := errorCode(resp); {
		case strings.EqualFold(code, "ConsumerGroupNotExist") && !own:
			t.keeper.notFound(s)
		case strings.EqualFold(code, "NotExistConsumerWithBody"):
			// The group does not know us although we hold shards: it was recreated (by another replica, perhaps
			// before we noticed it missing) or forgot us. Ownership is in flux for a while.
			w.unsettle()
		}
		return resp, nil
	}
	switch call {
	case callHeartbeat:
		var shards []int
		if json.Unmarshal(peekResponse(resp), &shards) == nil {
			w.heartbeat(s, shards)
		}
	case callSave:
		w.saveDone(*save.Shard, save.Checkpoint, true, r)
	case callRead:
		var cps []*sls.ConsumerGroupCheckPoint
		if json.Unmarshal(peekResponse(resp), &cps) == nil {
			if fw := w.read(snap, cps, s, r); t.found != nil {
				t.found(fw)
			}
		}
	}
	if !own && t.keeper.exists(s) && call == callRead {
		// The group is back and the checkpoints are written back: this answer predates them, ask again.
		_ = resp.Body.Close()
		return t.roundTrip(req)
	}
	return resp, nil
}

// maxPeek bounds what groupTransport reads of a body; consumer-group requests and answers are small JSON.
const maxPeek = 1 << 20

// peekRequest reads the request body and puts it back.
func peekRequest(req *http.Request) ([]byte, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, maxPeek))
	_ = req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, err == nil
}

// peekResponse reads the response body and puts it back (with the read error, if any, at its end).
func peekResponse(resp *http.Response) []byte {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPeek))
	rest := resp.Body
	var tail io.Reader = rest
	if err != nil {
		tail = &errReader{err: err}
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), tail), rest}
	return b
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

// errorCode returns the errorCode of an SLS error answer ("" when the body is not one); the body is put back.
func errorCode(resp *http.Response) string {
	var e struct {
		Code string `json:"errorCode"`
	}
	if json.Unmarshal(peekResponse(resp), &e) != nil {
		return ""
	}
	return e.Code
}
