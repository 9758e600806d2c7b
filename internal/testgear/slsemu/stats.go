package slsemu

import (
	"maps"
	"sync"
	"time"
)

// Stats is a snapshot of the emulator for tests and the /_emulator/stats endpoint.
type Stats struct {
	Requests  map[string]int64            `json:"requests"` // by API name, including failed requests
	Errors    map[string]map[string]int64 `json:"errors"`   // by API name, then error code
	Logstores []LogstoreStats             `json:"logstores"`
}

// LogstoreStats describes one logstore.
type LogstoreStats struct {
	Project   string        `json:"project"`
	Logstore  string        `json:"logstore"`
	TTL       time.Duration `json:"ttl"`
	Generated uint64        `json:"generated"` // generated records so far; seq values are 1..Generated
	Shards    []ShardStats  `json:"shards"`
	Groups    []GroupStats  `json:"groups"`
}

// ShardStats describes one shard.
type ShardStats struct {
	ID          int    `json:"id"`
	Status      string `json:"status"` // readwrite or readonly
	Parents     []int  `json:"parents,omitempty"`
	BeginCursor string `json:"beginCursor"`
	EndCursor   string `json:"endCursor"`
	LogGroups   int    `json:"logGroups"` // retained
	Logs        int64  `json:"logs"`      // retained
	RawBytes    int64  `json:"rawBytes"`  // retained, serialized LogGroup bytes
	Expired     int64  `json:"expired"`   // log groups dropped by retention
}

// GroupStats describes one consumer group.
type GroupStats struct {
	Name        string            `json:"name"`
	Timeout     int               `json:"timeout"` // seconds
	Order       bool              `json:"order"`
	Consumers   map[string][]int  `json:"consumers"` // consumer -> shards it holds
	States      map[int]string    `json:"states"`    // shard -> state machine state
	Owners      map[int]string    `json:"owners"`    // shard -> owner (the giving consumer for transfer shards)
	Transfers   map[int]string    `json:"transfers"` // transfer shard -> designated next consumer
	Checkpoints []CheckpointStats `json:"checkpoints"`
}

// CheckpointStats is the saved checkpoint of one shard ("" when none).
type CheckpointStats struct {
	Shard      int       `json:"shard"`
	Cursor     string    `json:"cursor"`
	Consumer   string    `json:"consumer"`
	UpdateTime time.Time `json:"updateTime"`
}

// Logstore returns the statistics of one logstore, or nil.
func (st Stats) Logstore(project, logstore string) *LogstoreStats {
	for i := range st.Logstores {
		if st.Logstores[i].Project == project && st.Logstores[i].Logstore == logstore {
			return &st.Logstores[i]
		}
	}
	return nil
}

// Group returns the statistics of one consumer group, or nil.
func (ls *LogstoreStats) Group(name string) *GroupStats {
	for i := range ls.Groups {
		if ls.Groups[i].Name == name {
			return &ls.Groups[i]
		}
	}
	return nil
}

// Shard returns the statistics of one shard, or nil.
func (ls *LogstoreStats) Shard(id int) *ShardStats {
	for i := range ls.Shards {
		if ls.Shards[i].ID == id {
			return &ls.Shards[i]
		}
	}
	return nil
}

// Checkpoint returns the saved cursor of a shard ("" when none).
func (g *GroupStats) Checkpoint(shard int) string {
	for _, cp := range g.Checkpoints {
		if cp.Shard == shard {
			return cp.Cursor
		}
	}
	return ""
}

type counters struct {
	mu       sync.Mutex
	requests map[string]int64
	errors   map[string]map[string]int64
}

func (c *counters) init() {
	c.requests = map[string]int64{}
	c.errors = map[string]map[string]int64{}
}

func (c *counters) request(api string) {
	c.mu.Lock()
	c.requests[api]++
	c.mu.Unlock()
}

func (c *counters) failure(api, code string) {
	c.mu.Lock()
	m := c.errors[api]
	if m == nil {
		m = map[string]int64{}
		c.errors[api] = m
	}
	m[code]++
	c.mu.Unlock()
}

// Stats returns a snapshot: requests and errors per API, shards, consumer-group assignment and checkpoints.
// Retention is applied first.
func (s *Server) Stats() Stats {
	s.counters.mu.Lock()
	st := Stats{Requests: maps.Clone(s.counters.requests), Errors: map[string]map[string]int64{}}
	for api, m := range s.counters.errors {
		st.Errors[api] = maps.Clone(m)
	}
	s.counters.mu.Unlock()

	now := s.now()
	for _, ls := range s.logstores() {
		ls.expire(now, time.Time{})
		lst := LogstoreStats{Project: ls.project, Logstore: ls.name, TTL: ls.ttl, Generated: ls.gen.generated()}
		for _, sh := range ls.allShards() {
			sh.mu.RLock()
			ss := ShardStats{
				ID:          sh.id,
				Status:      shardStatus(sh.readOnly),
				Parents:     sh.parents,
				BeginCursor: EncodeCursor(sh.base + sh.head),
				EndCursor:   EncodeCursor(sh.base + sh.head + int64(len(sh.groups))),
				LogGroups:   len(sh.groups),
				Logs:        sh.logs,
				RawBytes:    sh.bytes,
				Expired:     sh.expired,
			}
			sh.mu.RUnlock()
			lst.Shards = append(lst.Shards, ss)
		}
		shards := ls.stateShards()
		for _, name := range ls.groupNames() {
			g, ok := ls.group(name)
			if !ok {
				continue
			}
			timeout, order := g.Settings()
			status := g.Status(now, shards)
			gs := GroupStats{
				Name:      name,
				Timeout:   int(timeout / time.Second),
				Order:     order,
				Consumers: status.Consumers,
				States:    status.States,
				Owners:    status.Owners,
				Transfers: status.Transfers,
			}
			for _, cp := range g.Checkpoints(shards) {
				gs.Checkpoints = append(gs.Checkpoints, CheckpointStats{Shard: cp.Shard, Cursor: cp.Cursor, Consumer: cp.Consumer, UpdateTime: cp.UpdateTime})
			}
			lst.Groups = append(lst.Groups, gs)
		}
		st.Logstores = append(st.Logstores, lst)
	}
	return st
}

func shardStatus(readOnly bool) string {
	if readOnly {
		return "readonly"
	}
	return "readwrite"
}
