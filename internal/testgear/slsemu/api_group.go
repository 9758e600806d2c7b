package slsemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/siemship/siemship/internal/testgear/slsemu/groupstate"
)

type groupJSON struct {
	Name    string `json:"name"`
	Timeout int    `json:"timeout"`
	Order   bool   `json:"order"`
}

func (s *Server) listGroups(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	out := []groupJSON{}
	for _, name := range ls.groupNames() {
		if g, ok := ls.group(name); ok {
			timeout, order := g.Settings()
			out = append(out, groupJSON{Name: name, Timeout: int(timeout / time.Second), Order: order})
		}
	}
	writeJSON(w, req, out)
	return nil
}

func (s *Server) createGroup(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	var body struct {
		Name    *string `json:"consumerGroup"`
		Timeout *int    `json:"timeout"`
		Order   *bool   `json:"order"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil {
		return errorf(http.StatusBadRequest, "JsonInfoInvalid", "body is not a consumer group: %v", err)
	}
	if body.Name == nil {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "consumerGroup is missing")
	}
	if err := groupRule.check(*body.Name); err != nil {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "%v", err)
	}
	if body.Timeout == nil || *body.Timeout <= 0 || *body.Timeout > 86400 {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "timeout must be between 1 and 86400 seconds")
	}
	order := body.Order != nil && *body.Order
	ls.mu.Lock()
	_, exists := ls.groups[*body.Name]
	if !exists {
		ls.groups[*body.Name] = groupstate.New(*body.Name, time.Duration(*body.Timeout)*time.Second, order)
	}
	ls.mu.Unlock()
	if exists {
		return errorf(http.StatusBadRequest, "ConsumerGroupAlreadyExist", "consumer group %s already exists", *body.Name)
	}
	writeJSON(w, req, nil)
	return nil
}

func (s *Server) groupOf(req *request, ls *logstore) (*groupstate.Group, *apiError) {
	g, ok := ls.group(req.group)
	if !ok {
		return nil, errorf(http.StatusNotFound, "ConsumerGroupNotExist", "consumer group %s does not exist", req.group)
	}
	return g, nil
}

func (s *Server) updateGroup(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	g, aerr := s.groupOf(req, ls)
	if aerr != nil {
		return aerr
	}
	var body struct {
		Timeout *int  `json:"timeout"`
		Order   *bool `json:"order"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil {
		return errorf(http.StatusBadRequest, "JsonInfoInvalid", "body is not a consumer group update: %v", err)
	}
	timeout, order := g.Settings()
	if body.Timeout != nil {
		if *body.Timeout <= 0 || *body.Timeout > 86400 {
			return errorf(http.StatusBadRequest, "ParameterInvalid", "timeout must be between 1 and 86400 seconds")
		}
		timeout = time.Duration(*body.Timeout) * time.Second
	}
	if body.Order != nil {
		order = *body.Order
	}
	g.Update(timeout, order)
	writeJSON(w, req, nil)
	return nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	if !ls.deleteGroup(req.group) {
		return errorf(http.StatusNotFound, "ConsumerGroupNotExist", "consumer group %s does not exist", req.group)
	}
	writeJSON(w, req, nil)
	return nil
}

// groupError maps a state-machine error to an SLS error with the configured spelling.
func (s *Server) groupError(err error, consumer string, shard int) *apiError {
	sp := Spelling(s.spelling.Load())
	switch {
	case errors.Is(err, groupstate.ErrConsumerNotExist):
		return errorf(http.StatusBadRequest, sp.consumerNotExist(), "consumer %s does not exist", consumer)
	case errors.Is(err, groupstate.ErrConsumerNotMatch):
		return errorf(http.StatusBadRequest, "ConsumerNotMatch", "consumer %s does not hold shard %d", consumer, shard)
	case errors.Is(err, groupstate.ErrShardNotExist):
		return errorf(http.StatusBadRequest, sp.shardNotExist(), "shard %d does not exist", shard)
	case errors.Is(err, groupstate.ErrNotExistConsumerWithBody):
		return errorf(http.StatusBadRequest, "NotExistConsumerWithBody", "consumer %s is unknown and sent held shards", consumer)
	case errors.Is(err, groupstate.ErrInvalidConsumer):
		return errorf(http.StatusBadRequest, "ParameterInvalid", "consumer name is empty")
	}
	return errorf(http.StatusInternalServerError, "InternalServerError", "%v", err)
}

func (s *Server) heartbeat(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	g, aerr := s.groupOf(req, ls)
	if aerr != nil {
		return aerr
	}
	consumer := req.r.URL.Query().Get("consumer")
	if consumer == "" {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "consumer is missing")
	}
	var held []int
	if len(strings.TrimSpace(string(req.body))) > 0 {
		if err := json.Unmarshal(req.body, &held); err != nil {
			return errorf(http.StatusBadRequest, "JsonInfoInvalid", "heartbeat body is not a list of shard ids: %v", err)
		}
	}
	out, err := g.Heartbeat(s.now(), consumer, held, ls.stateShards())
	if err != nil {
		return s.groupError(err, consumer, -1)
	}
	writeJSON(w, req, out)
	return nil
}

type checkpointJSON struct {
	Shard      int    `json:"shard"`
	Checkpoint string `json:"checkpoint"`
	UpdateTime int64  `json:"updateTime"` // microseconds
	Consumer   string `json:"consumer"`
}

func (s *Server) getCheckpoint(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	g, aerr := s.groupOf(req, ls)
	if aerr != nil {
		return aerr
	}
	shards := ls.stateShards()
	only := -1
	if v := req.r.URL.Query().Get("shard"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errorf(http.StatusBadRequest, "ParameterInvalid", "shard %q is not a number", v)
		}
		only = n
	}
	out := []checkpointJSON{}
	for _, cp := range g.Checkpoints(shards) {
		if only >= 0 && cp.Shard != only {
			continue
		}
		e := checkpointJSON{Shard: cp.Shard, Checkpoint: cp.Cursor, Consumer: cp.Consumer}
		if !cp.UpdateTime.IsZero() {
			e.UpdateTime = cp.UpdateTime.UnixMicro()
		}
		out = append(out, e)
	}
	writeJSON(w, req, out)
	return nil
}

func (s *Server) updateCheckpoint(w http.ResponseWriter, req *request, ls *logstore) *apiError {
	g, aerr := s.groupOf(req, ls)
	if aerr != nil {
		return aerr
	}
	q := req.r.URL.Query()
	consumer := q.Get("consumer")
	force := strings.EqualFold(q.Get("forceSuccess"), "true")
	if consumer == "" && !force {
		return errorf(http.StatusBadRequest, "ParameterInvalid", "forceSuccess must be true when no consumer is given")
	}
	var body struct {
		Shard      *int    `json:"shard"`
		Checkpoint *string `json:"checkpoint"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil || body.Shard == nil || body.Checkpoint == nil {
		return errorf(http.StatusBadRequest, "JsonInfoInvalid", "body must be {\"shard\":N,\"checkpoint\":\"...\"}")
	}
	c, err := DecodeCursor(*body.Checkpoint)
	if err != nil {
		return errorf(http.StatusBadRequest, "InvalidShardCheckPoint", "checkpoint %q is not a cursor", *body.Checkpoint)
	}
	atEnd := false
	if sh, ok := ls.shard(*body.Shard); ok && sh.isReadOnly() {
		_, end := sh.bounds()
		atEnd = c == end
	}
	if err := g.UpdateCheckpoint(s.now(), consumer, *body.Shard, *body.Checkpoint, force, atEnd, ls.stateShards()); err != nil {
		return s.groupError(err, consumer, *body.Shard)
	}
	writeJSON(w, req, nil)
	return nil
}
