// Package record holds the decoded SLS data that siemship moves from a shard to a SIEM.
//
// The consumer fills these types from the SDK's LogGroupList; the format package encodes them. Strings may share
// memory with the pulled batch, so a Group must not be used after the batch it came from has been handed back.
package record

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
