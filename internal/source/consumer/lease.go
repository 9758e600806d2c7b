package consumer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The consumer library keeps working on its shards while its heartbeats fail, and saves checkpoints with
// forceSuccess=true, which SLS accepts from any consumer. After a network failure between one replica and SLS
// longer than the heartbeat timeout, SLS has given that replica's shards to another one, but when the network
// comes back the cut-off replica still delivers the batches it pulls and flushes its old checkpoints over the new
// owner's, moving them back: every record the new owner delivered since then is sent again when the shard changes
// hands the next time (the chaos suite measured 300 duplicates on 2 shards after a 15 s cut).
//
// lease fences that off. It records, per shard, when the last successful heartbeat that listed the shard was
// sent; a shard is ours while that is less than the heartbeat timeout ago (SLS counts the timeout from when it
// received the heartbeat, so this errs on the safe side). A shard that the latest heartbeat no longer lists stays
// ours for that long too: SLS lets the old owner finish its batch and save the checkpoint while the shard is being
// transferred, and refusing that final checkpoint would make the new owner send the batch again. Outside its lease
// a shard's batch is not delivered (Process waits and returns an error, so the library offers it again or drops it
// when it releases the shard) and its checkpoint is not sent (pullTransport answers it with ConsumerNotMatch).
// Neither loses anything: the shard's owner delivers from the checkpoint SLS holds.
type lease struct {
	timeout time.Duration // 0: no fencing

	mu        sync.Mutex
	seen      bool              // a heartbeat succeeded at least once; until then nothing is fenced
	confirmed map[int]time.Time // shard -> when the last successful heartbeat listing it was sent
}

// renew records a successful heartbeat sent at sentAt that returned shards.
func (l *lease) renew(sentAt time.Time, shards []int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.confirmed == nil {
		l.confirmed = map[int]time.Time{}
	}
	l.seen = true
	for _, s := range shards {
		if sentAt.After(l.confirmed[s]) { // an older heartbeat answered late changes nothing
			l.confirmed[s] = sentAt
		}
	}
}

// holds reports whether shard is ours at now.
func (l *lease) holds(shard int, now time.Time) bool {
	if l == nil || l.timeout <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.seen {
		return true
	}
	at, ok := l.confirmed[shard]
	return ok && now.Sub(at) < l.timeout
}

// errNotHeld is why Process did not deliver a batch: no recent heartbeat confirmed that the shard is ours.
var errNotHeld = errors.New("no heartbeat within the heartbeat timeout confirmed that this consumer holds the shard; not delivering (its owner will)")

// groupRequest recognises the consumer-group calls the lease needs: a heartbeat, or a checkpoint update (with
// the shard from its JSON body, which is read and put back).
func groupRequest(req *http.Request) (heartbeat bool, checkpointShard int, checkpoint bool) {
	if req.Method != http.MethodPost || !strings.Contains(req.URL.Path, "/consumergroups/") {
		return false, 0, false
	}
	switch req.URL.Query().Get("type") {
	case "heartbeat":
		return true, 0, false
	case "checkpoint":
		if req.Body == nil {
			return false, 0, false
		}
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		var body struct {
			Shard *int `json:"shard"`
		}
		if err != nil || json.Unmarshal(b, &body) != nil || body.Shard == nil {
			return false, 0, false
		}
		return false, *body.Shard, true
	}
	return false, 0, false
}

// heartbeat sends a heartbeat and renews the lease from a successful answer (the body is read and put back).
func (t *pullTransport) heartbeat(req *http.Request) (*http.Response, error) {
	sentAt := time.Now()
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var shards []int
	if err == nil && json.Unmarshal(b, &shards) == nil {
		t.c.lease.renew(sentAt, shards)
	}
	return resp, nil
}

// notHeld is the answer to a checkpoint update for a shard outside the lease: SLS's own error for a consumer that
// does not hold the shard, which the library reports without retrying.
func notHeld(req *http.Request, shard int) *http.Response {
	body := fmt.Sprintf(`{"errorCode":"ConsumerNotMatch","errorMessage":"siemship: shard %d: not saving the checkpoint, no heartbeat within the heartbeat timeout confirmed that this consumer holds the shard"}`, shard)
	return &http.Response{
		Status: "400 Bad Request", StatusCode: http.StatusBadRequest, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Log-Requestid": {"siemship-lease"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
