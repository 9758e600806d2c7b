package slsemu

import (
	"encoding/binary"
	"math/bits"
)

// Protocol buffers wire encoding of the SLS log model (log.proto, proto2), written by hand so that generated data
// is encoded without reflection or intermediate objects.

const (
	tagLogGroupListGroups = 0x0A // LogGroupList.LogGroups, field 1, bytes

	tagGroupLogs   = 0x0A // LogGroup.Logs, field 1
	tagGroupTopic  = 0x1A // LogGroup.Topic, field 3
	tagGroupSource = 0x22 // LogGroup.Source, field 4
	tagGroupTags   = 0x32 // LogGroup.LogTags, field 6

	tagLogTime     = 0x08 // Log.Time, field 1, varint
	tagLogContents = 0x12 // Log.Contents, field 2
	tagLogTimeNs   = 0x25 // Log.TimeNs, field 4, fixed32

	tagPairKey   = 0x0A // LogContent.Key / LogTag.Key, field 1
	tagPairValue = 0x12 // LogContent.Value / LogTag.Value, field 2
)

// field is one key/value pair: a log content or a log tag.
type field struct {
	Key, Value string
}

func varintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

func appendVarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendString(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

func pairSize(f field) int {
	return 1 + varintLen(uint64(len(f.Key))) + len(f.Key) + 1 + varintLen(uint64(len(f.Value))) + len(f.Value)
}

func appendPair(b []byte, tag byte, f field) []byte {
	b = append(b, tag)
	b = appendVarint(b, uint64(pairSize(f)))
	b = appendString(b, tagPairKey, f.Key)
	return appendString(b, tagPairValue, f.Value)
}

// appendLog appends one LogGroup.Logs element (tag, length, Log message) to b.
func appendLog(b []byte, sec, nsec uint32, contents []field) []byte {
	n := 1 + varintLen(uint64(sec)) + 5
	for _, f := range contents {
		ps := pairSize(f)
		n += 1 + varintLen(uint64(ps)) + ps
	}
	b = append(b, tagGroupLogs)
	b = appendVarint(b, uint64(n))
	b = append(b, tagLogTime)
	b = appendVarint(b, uint64(sec))
	for _, f := range contents {
		b = appendPair(b, tagLogContents, f)
	}
	b = append(b, tagLogTimeNs)
	return binary.LittleEndian.AppendUint32(b, nsec)
}

// appendGroupTrailer appends the topic, source and tags of a LogGroup whose logs are already in b.
func appendGroupTrailer(b []byte, topic, source string, tags []field) []byte {
	b = appendString(b, tagGroupTopic, topic)
	b = appendString(b, tagGroupSource, source)
	for _, t := range tags {
		b = appendPair(b, tagGroupTags, t)
	}
	return b
}

// frameGroup returns the LogGroupList element for a serialized LogGroup: tag, length, bytes.
func frameGroup(group []byte) []byte {
	out := make([]byte, 0, 1+varintLen(uint64(len(group)))+len(group))
	out = append(out, tagLogGroupListGroups)
	out = appendVarint(out, uint64(len(group)))
	return append(out, group...)
}

// framePrefixLen is the length of the tag and length prefix frameGroup adds.
func framePrefixLen(framed []byte) int {
	_, n := binary.Uvarint(framed[1:])
	return 1 + n
}
