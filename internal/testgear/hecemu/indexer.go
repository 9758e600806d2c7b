package hecemu

import (
	"encoding/json"
	"sync"
	"time"
)

// Event is one indexed event, as the ledger keeps it. Event and Fields hold the bytes as sent (slices of the
// request body, which must not be modified).
type Event struct {
	Token   string // the token the request authenticated with
	Channel string // the request channel, "" when none was sent
	// Index is the event's index member, else the request's index query parameter, else the token's default index.
	Index string
	// Host, Source and Sourcetype are the event's members, else the request's query parameters of those names,
	// else "" (Splunk would fill in defaults such as "http:<token name>"; the emulator does not).
	Host, Source, Sourcetype string
	Time                     float64 // the time member in epoch seconds, when HasTime
	TimeText                 string  // the time member as sent: the number, or the content of the string
	HasTime                  bool
	Event                    json.RawMessage            // the event member's JSON value as sent
	Fields                   map[string]json.RawMessage // the fields member, nil when absent
	AckID                    int64                      // the request's ackId, -1 without ack
	Request                  int64                      // the number of the HTTP request that carried it (from 1)
}

// chanKey identifies an ack channel: ackIds count per token and channel.
type chanKey struct{ token, channel string }

// ackChannel is the ack state of one channel.
type ackChannel struct {
	next   int64
	status map[int64]bool // outstanding ackIds: false while pending, true once indexed; deleted when read as true
}

// batch is the accepted part of one request, waiting to be indexed.
type batch struct {
	events []Event // nil in count-only mode
	n      int     // the number of events
	key    chanKey
	ackID  int64 // -1 without ack
	at     time.Time
}

// indexer holds accepted requests until they are due (IndexDelay after acceptance), then moves their events to the
// ledger and their ackIds to true. It does nothing on its own: every reader promotes what is due first.
type indexer struct {
	mu            sync.Mutex
	delay         time.Duration
	pending       []*batch // in acceptance order; due times are monotonic because the delay is the same for all
	pendingEvents int
	ledger        [][]Event // one chunk per request; nil chunks in count-only mode
	indexed       int
	lost          int64
	channels      map[chanKey]*ackChannel
	countOnly     bool
}

// Limits of the indexer, from Options.
type indexLimits struct {
	maxEvents      int // ledger plus pending; 0 in count-only mode
	maxPendingAcks int
	maxAckChannels int
}

func newIndexer(delay time.Duration, countOnly bool) *indexer {
	return &indexer{delay: delay, channels: map[chanKey]*ackChannel{}, countOnly: countOnly}
}

// promoteLocked indexes every pending batch that is due at now.
func (ix *indexer) promoteLocked(now time.Time) {
	n := 0
	for _, b := range ix.pending {
		if b.at.Add(ix.delay).After(now) {
			break
		}
		ix.indexLocked(b)
		n++
	}
	if n == 0 {
		return
	}
	clear(ix.pending[:n])
	ix.pending = ix.pending[n:]
	if len(ix.pending) == 0 {
		ix.pending = nil
	}
}

func (ix *indexer) indexLocked(b *batch) {
	ix.pendingEvents -= b.n
	ix.indexed += b.n
	if !ix.countOnly {
		ix.ledger = append(ix.ledger, b.events)
	}
	if b.ackID >= 0 {
		if ch := ix.channels[b.key]; ch != nil {
			if _, ok := ch.status[b.ackID]; ok {
				ch.status[b.ackID] = true
			}
		}
	}
}

// accept takes the n events of one request (events is nil in count-only mode). With ack it assigns the channel's next ackId. It refuses (false) when a
// limit is reached; then nothing is taken.
func (ix *indexer) accept(now time.Time, key chanKey, ack bool, events []Event, n int, lim indexLimits) (int64, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	if lim.maxEvents > 0 && ix.indexed+ix.pendingEvents+n > lim.maxEvents {
		return -1, false
	}
	ackID := int64(-1)
	if ack {
		ch := ix.channels[key]
		if ch == nil {
			if len(ix.channels) >= lim.maxAckChannels {
				return -1, false
			}
			ch = &ackChannel{status: map[int64]bool{}}
			ix.channels[key] = ch
		}
		if len(ch.status) >= lim.maxPendingAcks {
			return -1, false
		}
		ackID = ch.next
		ch.next++
		ch.status[ackID] = false
		for i := range events {
			events[i].AckID = ackID
		}
	}
	if n == 0 && ackID < 0 {
		return -1, true
	}
	ix.pending = append(ix.pending, &batch{events: events, n: n, key: key, ackID: ackID, at: now})
	ix.pendingEvents += n
	ix.promoteLocked(now)
	return ackID, true
}

// ackResult is the status of one polled ackId.
type ackResult struct {
	id      int64
	indexed bool
}

// poll reports the status of ackIds of a channel; a status reported true is deleted. Each id is reported once.
func (ix *indexer) poll(now time.Time, key chanKey, ids []int64) []ackResult {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	ch := ix.channels[key]
	out := make([]ackResult, 0, len(ids))
	seen := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		r := ackResult{id: id}
		if ch != nil && ch.status[id] {
			r.indexed = true
			delete(ch.status, id)
		}
		out = append(out, r)
	}
	return out
}

// lose drops every pending batch: its events never reach the ledger and its ackId is forgotten (false for ever).
// With forgetChannels the ack state of every channel goes too, as in a restart: ackIds start again from 0 and
// indexed but unread statuses read false.
func (ix *indexer) lose(now time.Time, forgetChannels bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	for _, b := range ix.pending {
		ix.lost += int64(b.n)
		if ch := ix.channels[b.key]; ch != nil && b.ackID >= 0 {
			delete(ch.status, b.ackID)
		}
	}
	ix.pending, ix.pendingEvents = nil, 0
	if forgetChannels {
		ix.channels = map[chanKey]*ackChannel{}
	}
}

// setDelay changes the indexing delay, after indexing what was due under the old one.
func (ix *indexer) setDelay(now time.Time, d time.Duration) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	ix.delay = d
	ix.promoteLocked(now)
}

func (ix *indexer) events(now time.Time) []Event {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	if ix.countOnly {
		return nil
	}
	out := make([]Event, 0, ix.indexed)
	for _, chunk := range ix.ledger {
		out = append(out, chunk...)
	}
	return out
}

func (ix *indexer) count(now time.Time) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	return ix.indexed
}

type indexStats struct {
	indexed, pending int
	lost             int64
	channels         int
	outstandingAcks  int
}

func (ix *indexer) stats(now time.Time) indexStats {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.promoteLocked(now)
	st := indexStats{indexed: ix.indexed, pending: ix.pendingEvents, lost: ix.lost, channels: len(ix.channels)}
	for _, ch := range ix.channels {
		st.outstandingAcks += len(ch.status)
	}
	return st
}
