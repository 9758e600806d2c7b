package hec

import (
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Bounds of stickyJar: what a load balancer's sticky-session cookie needs, whatever HEC answers.
const (
	maxCookies     = 16
	maxCookieBytes = 4096
	maxCookieAge   = 400 * 24 * 3600 // seconds; browsers' cap, and far below where Max-Age times a second overflows
)

// stickyJar keeps the cookies HEC's answers set, per host, so that a load balancer can keep this process's channel
// on one indexer (acknowledgement needs that). Unlike net/http/cookiejar it is bounded: at most maxCookies per host
// (a new name beyond them is ignored), each of at most maxCookieBytes; the hosts are the HEC_URL ones, since
// redirects are not followed.
type stickyJar struct {
	mu sync.Mutex
	m  map[string]map[string]jarCookie // host -> name
}

type jarCookie struct {
	value   string
	secure  bool
	expires time.Time // zero: the session's
}

func (j *stickyJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.m == nil {
		j.m = map[string]map[string]jarCookie{}
	}
	host := j.m[u.Host]
	if host == nil {
		host = map[string]jarCookie{}
		j.m[u.Host] = host
	}
	now := time.Now()
	for _, c := range cookies {
		var expires time.Time
		switch {
		case c.MaxAge < 0:
			delete(host, c.Name)
			continue
		case c.MaxAge > 0:
			expires = now.Add(time.Duration(min(c.MaxAge, maxCookieAge)) * time.Second)
		case !c.Expires.IsZero():
			if !c.Expires.After(now) {
				delete(host, c.Name)
				continue
			}
			expires = c.Expires
		}
		if len(c.Name)+len(c.Value) > maxCookieBytes {
			continue
		}
		if _, known := host[c.Name]; !known && len(host) >= maxCookies {
			continue
		}
		host[c.Name] = jarCookie{value: c.Value, secure: c.Secure, expires: expires}
	}
}

func (j *stickyJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	var out []*http.Cookie
	for name, c := range j.m[u.Host] {
		if !c.expires.IsZero() && !c.expires.After(now) {
			delete(j.m[u.Host], name)
			continue
		}
		if c.secure && u.Scheme != "https" {
			continue
		}
		out = append(out, &http.Cookie{Name: name, Value: c.value})
	}
	return out
}
