package consumer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/siemship/siemship/internal/record"
)

// Field numbers of the SLS protobuf messages (aliyun-log-go-sdk log.proto).
const (
	fieldListGroups  = 1 // LogGroupList.LogGroups
	fieldGroupLogs   = 1 // LogGroup.Logs
	fieldGroupTopic  = 3 // LogGroup.Topic
	fieldGroupSource = 4 // LogGroup.Source
	fieldGroupTags   = 6 // LogGroup.LogTags
	fieldLogTime     = 1 // Log.Time, varint
	fieldLogContents = 2 // Log.Contents
	fieldLogTimeNs   = 4 // Log.TimeNs, fixed32
	fieldPairKey     = 1 // LogContent.Key, LogTag.Key
	fieldPairValue   = 2 // LogContent.Value, LogTag.Value
)

// Protobuf wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3 // proto2 groups: no SLS message has one, but the SDK's decoder skips them as unknown fields
	wireEndGroup   = 4
	wireFixed32    = 5
)

var errTruncated = errors.New("protobuf: truncated message")

// walk decodes a serialized LogGroupList into a.groups without copying: every string aliases raw, which must
// therefore stay unchanged while the groups are in use. It replaces the SDK's gogo protobuf decoding, which
// allocates two objects per field and copies every key and value. Unknown fields are skipped, as protobuf
// requires; a known field with the wrong wire type is an error, as in the SDK's decoder (skipping it would drop
// the logs it holds without a trace); a missing key or value is the empty string (the SDK's getters return "" too).
//
// One pass over raw fills the arena's slices in place. The records' Logs, Contents and Tags are sub-slices of
// a.logs and a.fields, which therefore must not move during the pass: when one of them runs out of capacity, the
// pass stops, a counting pass sizes them (with headroom) and the pass starts again. With the arena reused from
// batch to batch that happens only while batches grow, and the usual batch is read once.
func (a *arena) walk(raw []byte) ([]record.Group, error) {
	return a.walkWithin(raw, walkLimits{groups: -1})
}

// walkLimits bound what a walk may build, so that a hostile list cannot make it allocate without bound: tiny
// fields cost 32 bytes of record headers for every 4 bytes of data, an empty log group 2 bytes of data and 80 of
// header.
type walkLimits struct {
	groups int   // the most log groups (a pull's x-log-count); -1: no bound
	bytes  int64 // the most raw plus records' headers (arena.need); 0: no bound
}

// walkWithin is walk with limits; exceeding one is an error (errTooManyGroups or *tooLargeError).
func (a *arena) walkWithin(raw []byte, lim walkLimits) ([]record.Group, error) {
	groups, err := a.walkOnce(raw, lim.groups)
	if err != errFull {
		return groups, err
	}
	// Size the slices exactly, with headroom, and walk again.
	nLogs, nFields, err := count(raw)
	if err != nil {
		return nil, err
	}
	if need := int64(len(raw)) + int64(nLogs)*logBytes + int64(nFields)*fieldBytes; lim.bytes > 0 && need > lim.bytes {
		return nil, &tooLargeError{need: need, limit: lim.bytes}
	}
	if cap(a.logs) < nLogs {
		a.logs = make([]record.Log, 0, headroom(nLogs))
	}
	if cap(a.fields) < nFields {
		a.fields = make([]record.Field, 0, headroom(nFields))
	}
	return a.walkOnce(raw, lim.groups)
}

// errTooManyGroups: the list holds more log groups than the walk was allowed (the answer's x-log-count).
var errTooManyGroups = errors.New("more log groups than x-log-count")

// tooLargeError: decoding the list would need more memory than the walk was allowed.
type tooLargeError struct{ need, limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("decoding needs %d bytes (data and record headers), more than the %d allowed", e.need, e.limit)
}

// errFull stops walkOnce when a.logs or a.fields is too small for the list.
var errFull = errors.New("arena full")

// count returns the number of logs and of fields (tags and contents) in a serialized LogGroupList.
func count(raw []byte) (nLogs, nFields int, err error) {
	for b := raw; len(b) > 0; {
		num, typ, v, _, rest, err := field(b)
		if err != nil {
			return 0, 0, err
		}
		b = rest
		if num != fieldListGroups || typ != wireBytes {
			continue
		}
		for len(v) > 0 {
			num, typ, fv, _, rest, err := field(v)
			if err != nil {
				return 0, 0, err
			}
			v = rest
			switch {
			case typ != wireBytes:
			case num == fieldGroupTags:
				nFields++
			case num == fieldGroupLogs:
				nLogs++
				c, err := countContents(fv)
				if err != nil {
					return 0, 0, err
				}
				nFields += c
			}
		}
	}
	return nLogs, nFields, nil
}

// countContents returns the number of Contents fields of a serialized Log.
func countContents(b []byte) (int, error) {
	c := 0
	for len(b) > 0 {
		num, typ, _, _, rest, err := field(b)
		if err != nil {
			return 0, err
		}
		b = rest
		if num == fieldLogContents && typ == wireBytes {
			c++
		}
	}
	return c, nil
}

// walkOnce is one pass of walk; it returns errFull when a.logs or a.fields is too small, errTooManyGroups when the
// list has more than maxGroups groups (-1: no bound).
func (a *arena) walkOnce(raw []byte, maxGroups int) ([]record.Group, error) {
	groups := a.groups[:0]
	logs := a.logs[:cap(a.logs)]
	fields := a.fields[:cap(a.fields)]
	tagIdx := a.tagIdx[:0]
	li, fi := 0, 0
	for b := raw; len(b) > 0; {
		num, typ, v, _, rest, err := field(b)
		if err != nil {
			return nil, err
		}
		b = rest
		if num != fieldListGroups {
			continue
		}
		if typ != wireBytes {
			return nil, wrongType("LogGroupList.LogGroups", typ)
		}
		if len(groups) == maxGroups {
			return nil, errTooManyGroups
		}
		var g record.Group
		logStart := li
		// Tags and logs take fields in message order; the tags are gathered afterwards from the positions
		// recorded here.
		tagStart := len(tagIdx)
		for len(v) > 0 {
			num, typ, fv, _, rest, err := field(v)
			if err != nil {
				return nil, err
			}
			v = rest
			if typ != wireBytes {
				if num <= fieldGroupTags { // every LogGroup field is length-delimited
					return nil, wrongType("LogGroup", typ)
				}
				continue
			}
			switch num {
			case fieldGroupTopic:
				g.Topic = str(fv)
			case fieldGroupSource:
				g.Source = str(fv)
			case fieldGroupTags:
				if fi == len(fields) {
					return nil, errFull
				}
				f, err := pair(fv)
				if err != nil {
					return nil, err
				}
				fields[fi] = f
				tagIdx = append(tagIdx, fi)
				fi++
			case fieldGroupLogs:
				if li == len(logs) {
					return nil, errFull
				}
				next, err := walkLog(fv, &logs[li], fields, fi)
				if err != nil {
					return nil, err
				}
				li, fi = li+1, next
			}
		}
		g.Logs = logs[logStart:li:li]
		g.Tags = tagFields(fields, tagIdx[tagStart:])
		groups = append(groups, g)
	}
	a.groups, a.logs, a.fields, a.tagIdx = groups, logs[:li], fields[:fi], tagIdx
	return groups, nil
}

// tagFields returns the group's tags as one contiguous slice. Tags are usually written after the logs, and then
// they already are contiguous in a.fields; otherwise they are copied into a separate slice.
func tagFields(fields []record.Field, idx []int) []record.Field {
	if len(idx) == 0 {
		return fields[:0:0]
	}
	first := idx[0]
	contiguous := true
	for i, k := range idx {
		if k != first+i {
			contiguous = false
			break
		}
	}
	if contiguous {
		return fields[first : first+len(idx) : first+len(idx)]
	}
	out := make([]record.Field, len(idx))
	for i, k := range idx {
		out[i] = fields[k]
	}
	return out
}

// Keys of the fields that make up most of a pull, as the SDK writes them: field number << 3 | wire type, one byte.
const (
	keyLogContents = fieldLogContents<<3 | wireBytes
	keyPairKey     = fieldPairKey<<3 | wireBytes
	keyPairValue   = fieldPairValue<<3 | wireBytes
)

// pair decodes a LogContent or LogTag.
func pair(b []byte) (record.Field, error) {
	// The usual pair, key (shorter than 128 bytes) then value (shorter than 16 KiB) and nothing else, read without
	// the general loop; what it returns is what the loop would.
	if len(b) >= 4 && b[0] == keyPairKey && b[1] < 0x80 {
		kEnd := 2 + int(b[1])
		if kEnd+2 <= len(b) && b[kEnd] == keyPairValue {
			if l, k := shortLen(b[kEnd+1:]); k > 0 && l == len(b)-kEnd-1-k {
				return record.Field{Key: str(b[2:kEnd]), Value: str(b[kEnd+1+k:])}, nil
			}
		}
	}
	var f record.Field
	for len(b) > 0 {
		num, typ, v, _, rest, err := field(b)
		if err != nil {
			return f, err
		}
		b = rest
		switch {
		case num != fieldPairKey && num != fieldPairValue:
		case typ != wireBytes:
			return f, wrongType("LogContent", typ)
		case num == fieldPairKey:
			f.Key = str(v)
		default:
			f.Value = str(v)
		}
	}
	return f, nil
}

// shortLen reads a length of one or two varint bytes at the start of b (below 16 KiB) and returns it and the
// number of bytes read, or k = 0 when the length is longer (or b too short).
func shortLen(b []byte) (l, k int) {
	if len(b) > 0 && b[0] < 0x80 {
		return int(b[0]), 1
	}
	if len(b) > 1 && b[1] < 0x80 {
		return int(b[0]&0x7f) | int(b[1])<<7, 2
	}
	return 0, 0
}

// walkLog decodes one Log into l (every field of l is set), its contents into fields from index fi on; it returns
// the next free index, or errFull when fields is full.
func walkLog(b []byte, l *record.Log, fields []record.Field, fi int) (int, error) {
	start := fi
	var t, tns uint32
	for len(b) > 0 {
		// Most fields of a Log: read without field's general cases. The contents case below repeats these few
		// lines on purpose: a shared helper is not inlined and costs 5-8 % of the walk.
		if b[0] == keyLogContents {
			if l, k := shortLen(b[1:]); k > 0 && l <= len(b)-1-k {
				if fi == len(fields) {
					return fi, errFull
				}
				c := b[1+k : 1+k+l]
				b = b[1+k+l:]
				// pair's fast path for one-byte lengths, written out: a helper for it costs 168 against the
				// inliner's budget of 80, and the call costs more than these lines.
				if len(c) >= 4 && c[0] == keyPairKey && c[1] < 0x80 {
					kEnd := 2 + int(c[1])
					if kEnd+2 <= len(c) && c[kEnd] == keyPairValue && c[kEnd+1] < 0x80 && int(c[kEnd+1]) == len(c)-kEnd-2 {
						fields[fi] = record.Field{Key: str(c[2:kEnd]), Value: str(c[kEnd+2:])}
						fi++
						continue
					}
				}
				f, err := pair(c)
				if err != nil {
					return fi, err
				}
				fields[fi] = f
				fi++
				continue
			}
		}
		num, typ, v, n, rest, err := field(b)
		if err != nil {
			return fi, err
		}
		b = rest
		switch {
		case num == fieldLogContents && typ == wireBytes:
			if fi == len(fields) {
				return fi, errFull
			}
			f, err := pair(v)
			if err != nil {
				return fi, err
			}
			fields[fi] = f
			fi++
		case num == fieldLogTime && typ == wireVarint:
			t = uint32(n)
		case num == fieldLogTimeNs && typ == wireFixed32:
			tns = uint32(n)
		case num == fieldLogTime || num == fieldLogContents || num == fieldLogTimeNs:
			return fi, wrongType("Log", typ)
		}
	}
	*l = record.Log{Time: t, TimeNs: tns, Contents: fields[start:fi:fi]}
	return fi, nil
}

// wrongType is the error for a known field with the wrong wire type.
func wrongType(msg string, typ int) error {
	return fmt.Errorf("protobuf: %s field with wrong wire type %d", msg, typ)
}

// str aliases b as a string.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// field reads the first field of b: its number, wire type, and either the bytes of a length-delimited field or
// the value of a numeric one, and the rest of b.
func field(b []byte) (num, typ int, v []byte, n uint64, rest []byte, err error) {
	var key uint64
	var k int
	if b[0] < 0x80 { // one-byte key: every field siemship reads
		key, k = uint64(b[0]), 1
	} else if key, k = uvarint(b); k <= 0 {
		return 0, 0, nil, 0, nil, errTruncated
	}
	b = b[k:]
	num, typ = int(int32(key>>3)), int(key&7) // int32 as in the SDK's decoder
	if num <= 0 {
		return 0, 0, nil, 0, nil, fmt.Errorf("protobuf: field number %d", num)
	}
	switch typ {
	case wireBytes:
		var l uint64
		if len(b) > 0 && b[0] < 0x80 {
			l, k = uint64(b[0]), 1
		} else {
			l, k = uvarint(b)
		}
		if k <= 0 || l > uint64(len(b)-k) {
			return 0, 0, nil, 0, nil, errTruncated
		}
		return num, typ, b[k : k+int(l)], 0, b[k+int(l):], nil
	case wireVarint:
		n, k = uvarint(b)
		if k <= 0 {
			return 0, 0, nil, 0, nil, errTruncated
		}
		return num, typ, nil, n, b[k:], nil
	case wireFixed64:
		if len(b) < 8 {
			return 0, 0, nil, 0, nil, errTruncated
		}
		return num, typ, nil, binary.LittleEndian.Uint64(b), b[8:], nil
	case wireFixed32:
		if len(b) < 4 {
			return 0, 0, nil, 0, nil, errTruncated
		}
		return num, typ, nil, uint64(binary.LittleEndian.Uint32(b)), b[4:], nil
	case wireStartGroup:
		n, err := skipGroup(b)
		if err != nil {
			return 0, 0, nil, 0, nil, err
		}
		return num, typ, nil, 0, b[n:], nil
	default:
		return 0, 0, nil, 0, nil, fmt.Errorf("protobuf: unsupported wire type %d", typ)
	}
}

// skipGroup returns the length of a group's fields and its end-group key, b starting after the start-group key.
// Like the SDK's decoder (gogo protobuf's skip), it does not check the end key's field number.
func skipGroup(b []byte) (int, error) {
	depth := 1
	i := 0
	for i < len(b) {
		key, k := uvarint(b[i:])
		if k <= 0 {
			return 0, errTruncated
		}
		i += k
		switch key & 7 {
		case wireVarint:
			_, k := uvarint(b[i:])
			if k <= 0 {
				return 0, errTruncated
			}
			i += k
		case wireFixed64:
			i += 8
		case wireBytes:
			l, k := uvarint(b[i:])
			if k <= 0 || l > uint64(len(b)-i-k) {
				return 0, errTruncated
			}
			i += k + int(l)
		case wireStartGroup:
			depth++
		case wireEndGroup:
			depth--
		case wireFixed32:
			i += 4
		default:
			return 0, fmt.Errorf("protobuf: unsupported wire type %d", key&7)
		}
		if i > len(b) {
			return 0, errTruncated
		}
		if depth == 0 {
			return i, nil
		}
	}
	return 0, errTruncated
}

// uvarint reads a varint as the SDK's decoder (gogo protobuf) does: at most ten bytes, bits beyond 64 dropped.
// k is the number of bytes read, 0 when b ends first and -1 when the varint is longer than ten bytes.
func uvarint(b []byte) (v uint64, k int) {
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, 0
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}
