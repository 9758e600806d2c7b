// Package hecenc is the hec format: it turns SLS logs into Splunk HTTP Event Collector events, one JSON object per
// log, for the hec sink, which concatenates them into request bodies (no array, no separator, as HEC takes them):
//
//	{"time":1795425745.147976,"host":"h","source":"s","sourcetype":"st","index":"i","event":{...}}
//
// event is the log as the json format writes it (package jsonenc: __time__, __topic__, __source__, tags, contents
// in order, duplicate keys renamed, valid UTF-8). time is the log's time in epoch seconds with six decimals
// (microseconds; Splunk's _time keeps no more), left out for a log without a time, so that Splunk takes the time
// it received it. host, source, sourcetype and index are settings (left out when empty, so that the token's
// defaults apply); host may come from the record (a mapping's message.Head Hostname). It is pure.
package hecenc
