package hecemu

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// DefaultIndex is the index of events that name none, when the token has no DefaultIndex either.
const DefaultIndex = "main"

// Token is the configuration of one HEC token.
type Token struct {
	// Ack enables indexer acknowledgement (useACK): requests then need a channel and get an ackId.
	Ack bool
	// Disabled tokens are answered 403 code 1.
	Disabled bool
	// Indexes is the allow-list for the index an event names (in its "index" member or the index query parameter);
	// empty allows any index.
	Indexes []string
	// DefaultIndex is the index of events that name none ("main" when empty). It is not checked against Indexes.
	DefaultIndex string
}

type tokenState struct {
	Token
	allowed map[string]struct{} // nil: any index
}

func newTokenState(t Token) *tokenState {
	t.Indexes = slices.Clone(t.Indexes)
	if t.DefaultIndex == "" {
		t.DefaultIndex = DefaultIndex
	}
	ts := &tokenState{Token: t}
	if len(t.Indexes) > 0 {
		ts.allowed = make(map[string]struct{}, len(t.Indexes))
		for _, ix := range t.Indexes {
			ts.allowed[ix] = struct{}{}
		}
	}
	return ts
}

func (t *tokenState) indexAllowed(ix string) bool {
	if t.allowed == nil {
		return true
	}
	_, ok := t.allowed[ix]
	return ok
}

// AddToken adds a token or replaces its configuration. The channels and ack state of a replaced token are kept.
func (s *Server) AddToken(token string, t Token) {
	ts := newTokenState(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = ts
}

// DisableToken makes requests with the token fail with 403 code 1 "Token disabled". Unknown tokens are ignored.
func (s *Server) DisableToken(token string) { s.setDisabled(token, true) }

// EnableToken undoes DisableToken. Unknown tokens are ignored.
func (s *Server) EnableToken(token string) { s.setDisabled(token, false) }

func (s *Server) setDisabled(token string, disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens[token]
	if !ok {
		return
	}
	cp := *old // copy on write: requests in flight keep the state they looked up
	cp.Disabled = disabled
	s.tokens[token] = &cp
}

func (s *Server) lookupToken(token string) (*tokenState, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens[token]
	return t, ok
}

// authenticate finds the request's token: "Authorization: Splunk <token>", or HTTP basic authentication with the
// token as the password (any user), as Splunk accepts.
func (s *Server) authenticate(r *http.Request, q url.Values) (string, *tokenState, reply, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if q.Has("token") {
			return "", nil, replyOf(CodeQueryStringAuthDisabled), false
		}
		return "", nil, replyOf(CodeTokenRequired), false
	}
	token, ok := tokenFromHeader(h)
	if !ok {
		return "", nil, replyOf(CodeInvalidAuthorization), false
	}
	t, ok := s.lookupToken(token)
	if !ok {
		return "", nil, replyOf(CodeInvalidToken), false
	}
	if t.Disabled {
		return "", nil, replyOf(CodeTokenDisabled), false
	}
	return token, t, reply{}, true
}

func tokenFromHeader(h string) (string, bool) {
	if rest, ok := strings.CutPrefix(h, "Splunk "); ok {
		rest = strings.TrimSpace(rest)
		return rest, rest != "" && !strings.ContainsAny(rest, " \t")
	}
	if rest, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return "", false
		}
		_, pass, ok := strings.Cut(string(raw), ":")
		return pass, ok && pass != ""
	}
	return "", false
}
