package hecemu

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// HEC status codes, as Splunk documents them ("Troubleshoot HTTP Event Collector") with the HTTP status each comes
// with.
const (
	CodeSuccess                     = 0  // 200 Success
	CodeTokenDisabled               = 1  // 403 Token disabled
	CodeTokenRequired               = 2  // 401 Token is required
	CodeInvalidAuthorization        = 3  // 401 Invalid authorization
	CodeInvalidToken                = 4  // 403 Invalid token
	CodeNoData                      = 5  // 400 No data
	CodeInvalidDataFormat           = 6  // 400 Invalid data format
	CodeIncorrectIndex              = 7  // 400 Incorrect index
	CodeInternalError               = 8  // 500 Internal server error
	CodeServerBusy                  = 9  // 503 Server is busy
	CodeChannelMissing              = 10 // 400 Data channel is missing
	CodeInvalidChannel              = 11 // 400 Invalid data channel
	CodeEventRequired               = 12 // 400 Event field is required
	CodeEventBlank                  = 13 // 400 Event field cannot be blank
	CodeAckDisabled                 = 14 // 400 ACK is disabled
	CodeIndexedFields               = 15 // 400 Error in handling indexed fields
	CodeQueryStringAuthDisabled     = 16 // 400 Query string authorization is not enabled
	CodeHealthy                     = 17 // 200 HEC is healthy
	CodeUnhealthyQueuesFull         = 18 // 503 HEC is unhealthy, queues are full
	CodeUnhealthyAckUnavailable     = 19 // 503 HEC is unhealthy, ack service unavailable
	CodeUnhealthyQueuesAndAckFailed = 20 // 503 HEC is unhealthy, queues are full, ack service unavailable
)

// CodeContentTooLarge is the code of the emulator's 413 answer. Splunk's body for a request over
// max_content_length is not documented; the emulator answers like splunkd's 404 ({"text":...,"code":404}), with the
// HTTP status as the code.
const CodeContentTooLarge = http.StatusRequestEntityTooLarge

// codeNotFound is the code of splunkd's answer to an unknown path.
const codeNotFound = http.StatusNotFound

type codeInfo struct {
	text   string
	status int
}

var codes = map[int]codeInfo{
	CodeSuccess:                     {"Success", http.StatusOK},
	CodeTokenDisabled:               {"Token disabled", http.StatusForbidden},
	CodeTokenRequired:               {"Token is required", http.StatusUnauthorized},
	CodeInvalidAuthorization:        {"Invalid authorization", http.StatusUnauthorized},
	CodeInvalidToken:                {"Invalid token", http.StatusForbidden},
	CodeNoData:                      {"No data", http.StatusBadRequest},
	CodeInvalidDataFormat:           {"Invalid data format", http.StatusBadRequest},
	CodeIncorrectIndex:              {"Incorrect index", http.StatusBadRequest},
	CodeInternalError:               {"Internal server error", http.StatusInternalServerError},
	CodeServerBusy:                  {"Server is busy", http.StatusServiceUnavailable},
	CodeChannelMissing:              {"Data channel is missing", http.StatusBadRequest},
	CodeInvalidChannel:              {"Invalid data channel", http.StatusBadRequest},
	CodeEventRequired:               {"Event field is required", http.StatusBadRequest},
	CodeEventBlank:                  {"Event field cannot be blank", http.StatusBadRequest},
	CodeAckDisabled:                 {"ACK is disabled", http.StatusBadRequest},
	CodeIndexedFields:               {"Error in handling indexed fields", http.StatusBadRequest},
	CodeQueryStringAuthDisabled:     {"Query string authorization is not enabled", http.StatusBadRequest},
	CodeHealthy:                     {"HEC is healthy", http.StatusOK},
	CodeUnhealthyQueuesFull:         {"HEC is unhealthy, queues are full", http.StatusServiceUnavailable},
	CodeUnhealthyAckUnavailable:     {"HEC is unhealthy, ack service unavailable", http.StatusServiceUnavailable},
	CodeUnhealthyQueuesAndAckFailed: {"HEC is unhealthy, queues are full, ack service unavailable", http.StatusServiceUnavailable},
	CodeContentTooLarge:             {"Content too large", http.StatusRequestEntityTooLarge},
	codeNotFound:                    {"The requested URL was not found on this server.", http.StatusNotFound},
}

// CodeText returns Splunk's text for a HEC code, or "" for a code it does not know.
func CodeText(code int) string { return codes[code].text }

// CodeStatus returns the HTTP status Splunk sends with a HEC code, or 0 for a code it does not know.
func CodeStatus(code int) int { return codes[code].status }

const injectedText = "Injected failure" // FailNext with a code Splunk does not document

// reply is one answer of the emulator.
type reply struct {
	status       int
	code         int
	text         string
	invalidEvent int   // invalid-event-number, or -1
	ackID        int64 // ackId, or -1
	body         []byte
}

// replyOf is the documented answer for a code.
func replyOf(code int) reply {
	ci := codes[code]
	return reply{status: ci.status, code: code, text: ci.text, invalidEvent: -1, ackID: -1}
}

func invalidEvent(code, n int) reply {
	r := replyOf(code)
	r.invalidEvent = n
	return r
}

func success(ackID int64) reply {
	r := replyOf(CodeSuccess)
	r.ackID = ackID
	return r
}

// Splunk's headers on HEC answers (Server: Splunkd, as seen in answers quoted by clients' bug reports).
var (
	hdrJSON     = []string{"application/json; charset=UTF-8"}
	hdrNosniff  = []string{"nosniff"}
	hdrFrame    = []string{"SAMEORIGIN"}
	hdrVary     = []string{"Authorization"}
	hdrSplunkd  = []string{"Splunkd"}
	successBody = []byte(`{"text":"Success","code":0}`)
)

// appendBody appends the JSON body: {"text":...,"code":N[,"invalid-event-number":N][,"ackId":N]}.
func (r reply) appendBody(b []byte) []byte {
	if r.body != nil {
		return append(b, r.body...)
	}
	if r.code == CodeSuccess && r.ackID < 0 && r.text == "Success" {
		return append(b, successBody...)
	}
	text, _ := json.Marshal(r.text) // a string always marshals
	b = append(b, `{"text":`...)
	b = append(b, text...)
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(r.code), 10)
	if r.invalidEvent >= 0 {
		b = append(b, `,"invalid-event-number":`...)
		b = strconv.AppendInt(b, int64(r.invalidEvent), 10)
	}
	if r.ackID >= 0 {
		b = append(b, `,"ackId":`...)
		b = strconv.AppendInt(b, r.ackID, 10)
	}
	return append(b, '}')
}

func (r reply) write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["X-Content-Type-Options"] = hdrNosniff
	h["X-Frame-Options"] = hdrFrame
	h["Vary"] = hdrVary
	h["Server"] = hdrSplunkd
	var buf [128]byte
	body := r.appendBody(buf[:0])
	w.WriteHeader(r.status)
	_, _ = w.Write(body)
}
