package hecemu

import (
	"net/http"
	"net/url"
)

// ChannelHeader carries the request channel; the channel query parameter is the alternative.
const ChannelHeader = "X-Splunk-Request-Channel"

// channelOf returns the request's channel: the header, else the channel query parameter, else "".
func channelOf(r *http.Request, q url.Values) string {
	if c := r.Header.Get(ChannelHeader); c != "" {
		return c
	}
	return q.Get("channel")
}

// checkChannel applies Splunk's channel rules: a token with ack needs a channel (code 10) that is a GUID (code 11).
// Without ack a channel is accepted and ignored.
func checkChannel(channel string, ack bool) (reply, bool) {
	if !ack {
		return reply{}, true
	}
	if channel == "" {
		return replyOf(CodeChannelMissing), false
	}
	if !isGUID(channel) {
		return replyOf(CodeInvalidChannel), false
	}
	return reply{}, true
}

// isGUID reports whether s is a GUID in its canonical text form, 8-4-4-4-12 hexadecimal digits of either case.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
