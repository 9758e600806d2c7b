package slsemu

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// credential is one access key. token, when set, must be sent as x-acs-security-token (an STS key).
type credential struct {
	secret string
	token  string
}

// AddKey registers an access key. Requests signed with it are accepted with or without an STS security token.
func (s *Server) AddKey(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = credential{secret: secret}
}

// AddSTSKey registers a temporary access key that is only accepted together with the given security token.
func (s *Server) AddSTSKey(id, secret, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = credential{secret: secret, token: token}
}

func (s *Server) key(id string) (credential, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.keys[id]
	return c, ok
}

const (
	authV1Prefix = "LOG "
	authV4Prefix = "SLS4-HMAC-SHA256 "
	emptySHA256  = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// authenticate checks the request signature (V1 or V4) and returns nil when the request may proceed.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		if s.o.AllowAnonymous {
			return nil
		}
		return errorf(http.StatusUnauthorized, "Unauthorized", "the request is not signed and anonymous access is disabled")
	case strings.HasPrefix(auth, authV1Prefix):
		return s.verifyV1(r, body, strings.TrimPrefix(auth, authV1Prefix))
	case strings.HasPrefix(auth, authV4Prefix):
		return s.verifyV4(r, body, strings.TrimPrefix(auth, authV4Prefix))
	}
	return errorf(http.StatusUnauthorized, "Unauthorized", "unsupported Authorization scheme")
}

func (s *Server) credentialFor(r *http.Request, id string) (credential, *apiError) {
	if id == "" {
		return credential{}, errorf(http.StatusUnauthorized, "Unauthorized", "missing AccessKeyId")
	}
	c, ok := s.key(id)
	if !ok {
		return credential{}, errorf(http.StatusUnauthorized, "Unauthorized", "AccessKeyId not found: %s", id)
	}
	if c.token != "" && !hmac.Equal([]byte(c.token), []byte(r.Header.Get("x-acs-security-token"))) {
		return credential{}, errorf(http.StatusUnauthorized, "Unauthorized", "the security token is invalid or missing for AccessKeyId %s", id)
	}
	return c, nil
}

func (s *Server) checkSkew(t time.Time) *apiError {
	if s.o.MaxClockSkew < 0 {
		return nil
	}
	if d := time.Since(t); d > s.o.MaxClockSkew || -d > s.o.MaxClockSkew {
		return errorf(http.StatusForbidden, "RequestTimeTooSkewed", "request time %s differs from the server time by more than %s", t.UTC().Format(time.RFC3339), s.o.MaxClockSkew)
	}
	return nil
}

// verifyV1 checks "LOG <id>:<base64 hmac-sha1>" (sls-wire-protocol §14.1).
func (s *Server) verifyV1(r *http.Request, body []byte, cred string) *apiError {
	id, sig, ok := strings.Cut(cred, ":")
	if !ok {
		return errorf(http.StatusUnauthorized, "Unauthorized", "malformed Authorization header")
	}
	c, aerr := s.credentialFor(r, id)
	if aerr != nil {
		return aerr
	}
	date := r.Header.Get("Date")
	t, err := http.ParseTime(date)
	if err != nil {
		return errorf(http.StatusBadRequest, "InvalidDateFormat", "Date header %q is not an RFC 1123 date", date)
	}
	if aerr := s.checkSkew(t); aerr != nil {
		return aerr
	}
	md5hex := r.Header.Get("Content-MD5")
	if len(body) > 0 && md5hex != "" {
		sum := md5.Sum(body)
		if !strings.EqualFold(md5hex, hex.EncodeToString(sum[:])) {
			return errorf(http.StatusBadRequest, "InvalidContentMD5", "Content-MD5 does not match the body")
		}
	}
	resource := canonicalResourceV1(r)
	// Go signs x-log-meta-* headers, Python does not: accept either.
	for _, withMeta := range []bool{true, false} {
		toSign := r.Method + "\n" + md5hex + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n" +
			canonicalHeadersV1(r.Header, withMeta) + "\n" + resource
		mac := hmac.New(sha1.New, []byte(c.secret))
		mac.Write([]byte(toSign))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if hmac.Equal([]byte(want), []byte(sig)) {
			return nil
		}
		if !hasMetaHeaders(r.Header) {
			return errorf(http.StatusUnauthorized, "SignatureNotMatch", "signature %s not match, the string to sign is %q", sig, toSign)
		}
	}
	return errorf(http.StatusUnauthorized, "SignatureNotMatch", "signature %s not match", sig)
}

func hasMetaHeaders(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-log-meta-") {
			return true
		}
	}
	return false
}

// canonicalHeadersV1 joins the x-log-* and x-acs-* headers except x-log-date (Python adds it after signing).
func canonicalHeadersV1(h http.Header, withMeta bool) string {
	type kv struct{ k, v string }
	var hs []kv
	for k, vs := range h {
		l := strings.ToLower(k)
		if !strings.HasPrefix(l, "x-log-") && !strings.HasPrefix(l, "x-acs-") {
			continue
		}
		if l == "x-log-date" || (!withMeta && strings.HasPrefix(l, "x-log-meta-")) {
			continue
		}
		hs = append(hs, kv{l, strings.TrimSpace(vs[0])})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].k < hs[j].k })
	var b strings.Builder
	for i, e := range hs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.k)
		b.WriteByte(':')
		b.WriteString(e.v)
	}
	return b.String()
}

// canonicalResourceV1 is the escaped path plus the decoded query parameters sorted by key.
func canonicalResourceV1(r *http.Request) string {
	res := r.URL.EscapedPath()
	if r.URL.RawQuery == "" {
		return res
	}
	vals, _ := url.ParseQuery(r.URL.RawQuery)
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(res)
	b.WriteByte('?')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		for _, v := range vals[k] {
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String()
}

// verifyV4 checks "SLS4-HMAC-SHA256 Credential=<id>/<date>/<region>/sls/aliyun_v4_request,Signature=<hex>"
// (sls-wire-protocol §14.2).
func (s *Server) verifyV4(r *http.Request, body []byte, rest string) *apiError {
	var credStr, sig string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credStr = v
		case "Signature":
			sig = v
		}
	}
	scopeParts := strings.Split(credStr, "/")
	if len(scopeParts) != 5 || scopeParts[3] != "sls" || scopeParts[4] != "aliyun_v4_request" || sig == "" {
		return errorf(http.StatusUnauthorized, "Unauthorized", "malformed V4 Authorization header")
	}
	id, day, region := scopeParts[0], scopeParts[1], scopeParts[2]
	c, aerr := s.credentialFor(r, id)
	if aerr != nil {
		return aerr
	}
	dateTime := r.Header.Get("x-log-date")
	t, err := time.Parse("20060102T150405Z", dateTime)
	if err != nil || !strings.HasPrefix(dateTime, day) {
		return errorf(http.StatusBadRequest, "InvalidDateFormat", "x-log-date %q is missing, malformed or not in the credential scope", dateTime)
	}
	if aerr := s.checkSkew(t); aerr != nil {
		return aerr
	}
	payload := r.Header.Get("x-log-content-sha256")
	if payload == "" {
		payload = emptySHA256
	}
	if payload != emptySHA256 {
		sum := sha256.Sum256(body)
		if payload != hex.EncodeToString(sum[:]) {
			return errorf(http.StatusBadRequest, "InvalidContentSha256", "x-log-content-sha256 does not match the body")
		}
	}
	key := hmacSHA256([]byte("aliyun_v4"+c.secret), day)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "sls")
	key = hmacSHA256(key, "aliyun_v4_request")
	scope := day + "/" + region + "/sls/aliyun_v4_request"

	// Go signs the Host with its port, Python without; behind a proxy r.Host comes from the request-URI.
	hosts := []string{r.Host}
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		hosts = append(hosts, h)
	}
	for _, host := range hosts {
		canon := canonicalRequestV4(r, host, payload)
		sum := sha256.Sum256([]byte(canon))
		toSign := "SLS4-HMAC-SHA256\n" + dateTime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		if hmac.Equal([]byte(hex.EncodeToString(hmacSHA256(key, toSign))), []byte(sig)) {
			return nil
		}
	}
	return errorf(http.StatusUnauthorized, "SignatureNotMatch", "V4 signature %s not match", sig)
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func canonicalRequestV4(r *http.Request, host, payload string) string {
	headers := map[string]string{"host": host}
	for k, vs := range r.Header {
		l := strings.ToLower(k)
		if strings.HasPrefix(l, "x-log-meta-") {
			continue
		}
		if strings.HasPrefix(l, "x-log-") || strings.HasPrefix(l, "x-acs-") || l == "content-type" {
			headers[l] = vs[0]
		}
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)

	vals, _ := url.ParseQuery(r.URL.RawQuery)
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(r.URL.EscapedPath())
	b.WriteByte('\n')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := vals[k][0]; v != "" {
			b.WriteByte('=')
			b.WriteString(strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
		}
	}
	b.WriteByte('\n')
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(headers[k])
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(names, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}
