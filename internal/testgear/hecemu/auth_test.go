package hecemu_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

func TestAuth(t *testing.T) {
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name   string
		r      req
		status int
		code   int
		text   string
	}{
		{"missing", req{}, 401, hecemu.CodeTokenRequired, "Token is required"},
		{"query token", req{query: "token=" + tokPlain}, 400, hecemu.CodeQueryStringAuthDisabled, "Query string authorization is not enabled"},
		{"no scheme", req{auth: tokPlain}, 401, hecemu.CodeInvalidAuthorization, "Invalid authorization"},
		{"bearer", req{auth: "Bearer " + tokPlain}, 401, hecemu.CodeInvalidAuthorization, "Invalid authorization"},
		{"lower-case scheme", req{auth: "splunk " + tokPlain}, 401, hecemu.CodeInvalidAuthorization, "Invalid authorization"},
		{"empty token", req{auth: "Splunk "}, 401, hecemu.CodeInvalidAuthorization, "Invalid authorization"},
		{"two words", req{auth: "Splunk a b"}, 401, hecemu.CodeInvalidAuthorization, "Invalid authorization"},
		{"bad basic", req{auth: "Basic !!!"}, 401, hecemu.CodeInvalidAuthorization, "Invalid authorization"},
		{"unknown", req{token: "nope"}, 403, hecemu.CodeInvalidToken, "Invalid token"},
		{"disabled", req{token: tokOff}, 403, hecemu.CodeTokenDisabled, "Token disabled"},
		{"good", req{token: tokPlain}, 200, hecemu.CodeSuccess, "Success"},
		{"basic any user", req{auth: basic("x", tokPlain)}, 200, hecemu.CodeSuccess, "Success"},
		{"basic unknown", req{auth: basic("x", "nope")}, 403, hecemu.CodeInvalidToken, "Invalid token"},
		{"ack endpoint missing", req{path: hecemu.PathAck, body: pollBody(0)}, 401, hecemu.CodeTokenRequired, "Token is required"},
		{"ack endpoint unknown", req{path: hecemu.PathAck, token: "nope", channel: chanA, body: pollBody(0)}, 403, hecemu.CodeInvalidToken, "Invalid token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(hecemu.Options{})
			tc.r.body = firstNonEmpty(tc.r.body, `{"event":"x"}`)
			a := serve(t, s, tc.r)
			expect(t, a, tc.status, tc.code)
			if a.Text != tc.text {
				t.Fatalf("text %q, want %q", a.Text, tc.text)
			}
			want := 0
			if tc.status == http.StatusOK {
				want = 1
			}
			if got := s.Count(); got != want {
				t.Fatalf("indexed %d events, want %d", got, want)
			}
		})
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestDisableEnableToken(t *testing.T) {
	s := newServer(hecemu.Options{})
	r := req{token: tokPlain, body: `{"event":"x"}`}
	expect(t, serve(t, s, r), 200, hecemu.CodeSuccess)
	s.DisableToken(tokPlain)
	expect(t, serve(t, s, r), 403, hecemu.CodeTokenDisabled)
	s.EnableToken(tokPlain)
	expect(t, serve(t, s, r), 200, hecemu.CodeSuccess)
	s.EnableToken(tokOff)
	expect(t, serve(t, s, req{token: tokOff, body: `{"event":"x"}`}), 200, hecemu.CodeSuccess)
	s.DisableToken("unknown") // ignored
	if got := s.Count(); got != 3 {
		t.Fatalf("indexed %d, want 3", got)
	}
}
