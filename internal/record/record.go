// Package record holds the decoded SLS data that siemship moves from a shard to a SIEM.
//
// The consumer fills these types from the SDK's LogGroupList; the format package encodes them. Strings may share
// memory with the pulled batch, so a Group must not be used after the batch it came from has been handed back.
package record

import "strings"

// Field is one key=value pair: a log's content or a log group's tag.
type Field struct {
	Key, Value string
}

// Log is one SLS log record.
type Log struct {
	Time     uint32  // __time__, unix seconds
	TimeNs   uint32  // nanosecond part of the time (0 when the producer sent none)
	Contents []Field // in the order the producer wrote them
}

// Group is one SLS LogGroup: logs that share a topic, a source and tags.
type Group struct {
	Topic  string
	Source string
	Tags   []Field // __tag__:<key> in LogTags order
	Logs   []Log
}

// Count returns the number of logs in groups.
func Count(groups []Group) int {
	n := 0
	for i := range groups {
		n += len(groups[i].Logs)
	}
	return n
}

// Names of the log group's fields as rules and templates refer to them, the SLS query language's names.
const (
	KeyTopic     = "__topic__"
	KeySource    = "__source__"
	KeyTagPrefix = "__tag__:" // followed by the tag's key
)

// Lookup returns the value of the field named key of log l in group g: the first content with that key, or the
// group's topic, source or a tag (KeyTopic, KeySource, KeyTagPrefix+k). ok is false when there is none; a content
// or tag present with an empty value is found.
func (g *Group) Lookup(l *Log, key string) (value string, ok bool) {
	for i := range l.Contents {
		if l.Contents[i].Key == key {
			return l.Contents[i].Value, true
		}
	}
	if len(key) < 8 || key[0] != '_' || key[1] != '_' {
		return "", false
	}
	switch key {
	case KeyTopic:
		return g.Topic, true
	case KeySource:
		return g.Source, true
	}
	if k, found := strings.CutPrefix(key, KeyTagPrefix); found {
		for i := range g.Tags {
			if g.Tags[i].Key == k {
				return g.Tags[i].Value, true
			}
		}
	}
	return "", false
}
