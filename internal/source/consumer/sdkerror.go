package consumer

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The aliyun SDK's errors (*sls.Error, *sls.BadResponseError) print themselves as indented JSON. When SLS, a proxy
// or a load balancer answers with an HTML page, the page ends up in that JSON, and each layer of the SDK's retry
// wraps the previous dump in a new one: siemship's logs then showed multi-line JSON with the page escaped three
// levels deep. OneLine turns every such dump in an error's message into one short line; it is the one place that
// knows their shape.

// maxBody bounds the excerpt of a response body shown in an error.
const maxBody = 200

// maxMessage bounds an SLS error message shown in an error (SLS's own are far shorter).
const maxMessage = 500

// oneLineError is an error whose message is rendered by OneLine; errors.Is and errors.As see the original.
type oneLineError struct {
	msg string
	err error
}

func (e *oneLineError) Error() string { return e.msg }
func (e *oneLineError) Unwrap() error { return e.err }

// OneLine returns err with a message on one line, in which each SDK error dump reads as "SLS answered HTTP <code>
// <error code>: <message> (request id <id>)", or for an answer that is not an SLS error, the HTTP status and an
// excerpt of the body (HTML tags stripped, whitespace collapsed, cut at 200 characters). errors.Is and errors.As
// still find the SDK's error in it. nil stays nil; an error that needs no change is returned as it is.
func OneLine(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	line := oneLine(msg)
	if line == msg {
		return err
	}
	return &oneLineError{msg: line, err: err}
}

// oneLine rewrites the SDK dumps in s and collapses its whitespace.
func oneLine(s string) string { return collapse(rewriteDumps(s)) }

// rewriteDumps replaces each JSON object in s that is an SDK error dump with its rendering.
func rewriteDumps(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		var m map[string]any
		if dec.Decode(&m) != nil || !isDump(m) {
			b.WriteByte('{')
			s = s[i+1:]
			continue
		}
		b.WriteString(render(m))
		s = s[i+int(dec.InputOffset()):]
	}
}

// isDump reports whether m is the JSON of an *sls.Error or an *sls.BadResponseError.
func isDump(m map[string]any) bool {
	_, code := m["errorCode"]
	_, body := m["RespBody"]
	return code || body
}

func render(m map[string]any) string {
	str := func(k string) string { s, _ := m[k].(string); return s }
	num := func(k string) int { f, _ := m[k].(float64); return int(f) }
	var b strings.Builder
	if _, ok := m["RespBody"]; ok { // *sls.BadResponseError: the answer was not an SLS error
		fmt.Fprintf(&b, "SLS answered HTTP %d", num("HTTPCode"))
		switch msg := str("ErrorMessage"); {
		case strings.Contains(msg, "invalid JSON format"): // the SDK's words for "the body is not an SLS error"
			b.WriteString(", not an SLS error")
		case msg != "":
			fmt.Fprintf(&b, ", %s", cut(collapse(rewriteDumps(msg)), maxMessage))
		}
		fmt.Fprintf(&b, ", body %q", cut(bodyText(str("RespBody")), maxBody))
		if id := requestID(m["RespHeader"]); id != "" {
			fmt.Fprintf(&b, " (request id %s)", id)
		}
		return b.String()
	}
	raw := str("errorMessage")
	msg := cut(bodyText(rewriteDumps(raw)), maxMessage)
	switch code := num("httpCode"); {
	case code > 0:
		fmt.Fprintf(&b, "SLS answered HTTP %d %s: %s", code, str("errorCode"), msg)
	case strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") && msg != raw:
		b.WriteString(msg) // the SDK's ClientError around an answer it could not read: the answer says it all
	default: // the SDK's ClientError: no answer (network, timeout) or a problem on our side
		fmt.Fprintf(&b, "sls client error: %s", msg)
	}
	if id := str("requestID"); id != "" {
		fmt.Fprintf(&b, " (request id %s)", id)
	}
	return b.String()
}

// requestID returns the x-log-requestid of a dumped http.Header.
func requestID(h any) string {
	m, _ := h.(map[string]any)
	for k, v := range m {
		if vs, ok := v.([]any); ok && len(vs) > 0 && strings.EqualFold(k, "x-log-requestid") {
			s, _ := vs[0].(string)
			return s
		}
	}
	return ""
}

var (
	htmlHidden = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)\s*>`)
	htmlTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	htmlLike   = regexp.MustCompile(`(?i)<(!doctype|html|body|/[a-z]+)`)
)

// bodyText is the readable text of a response body: HTML without its tags and entities, whitespace collapsed.
func bodyText(s string) string {
	if htmlLike.MatchString(s) {
		s = htmlHidden.ReplaceAllString(s, " ")
		s = html.UnescapeString(htmlTag.ReplaceAllString(s, " "))
	}
	return collapse(s)
}

// collapse replaces each run of white space (line breaks included) with one space and trims both ends.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to at most n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
