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
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

var errTruncated = errors.New("protobuf: truncated message")

// walk decodes a serialized LogGroupList into a.groups without copying: every string aliases raw, which must
// therefore stay unchanged while the groups are in use. It replaces the SDK's gogo protobuf decoding, which
// allocates two objects per field and copies every key and value. Unknown fields are skipped, as protobuf
// requires; a missing key or value is the empty string (the SDK's getters return "" too).
func (a *arena) walk(raw []byte) ([]record.Group, error) {
	// Pass 1 counts, so that the arena's slices are sized once and sub-slices never move.
	nGroups, nLogs, nFields := 0, 0, 0
	err := eachField(raw, func(num int, typ int, v []byte, _ uint64) error {
		if num != fieldListGroups || typ != wireBytes {
			return nil
		}
		nGroups++
		return eachField(v, func(num int, typ int, v []byte, _ uint64) error {
			if typ != wireBytes {
				return nil
			}
			switch num {
			case fieldGroupTags:
				nFields++
			case fieldGroupLogs:
				nLogs++
				c, err := countContents(v)
				nFields += c
				return err
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	a.groups = grow(a.groups, nGroups)
	a.logs = grow(a.logs, nLogs)
	a.fields = grow(a.fields, nFields)
	gi, li, fi := 0, 0, 0
	err = eachField(raw, func(num int, typ int, v []byte, _ uint64) error {
		if num != fieldListGroups || typ != wireBytes {
			return nil
		}
		g := &a.groups[gi]
		gi++
		logStart := li
		// Tags first would need a third pass; instead tags and logs take fields in message order and the tags
		// are gathered afterwards from the positions recorded here.
		tagIdx := a.tagIdx[:0]
		err := eachField(v, func(num int, typ int, v []byte, _ uint64) error {
			if typ != wireBytes {
				return nil
			}
			switch num {
			case fieldGroupTopic:
				g.Topic = str(v)
			case fieldGroupSource:
				g.Source = str(v)
			case fieldGroupTags:
				f, err := pair(v)
				if err != nil {
					return err
				}
				a.fields[fi] = f
				tagIdx = append(tagIdx, fi)
				fi++
			case fieldGroupLogs:
				l := &a.logs[li]
				li++
				var err error
				if fi, err = walkLog(v, l, a.fields, fi); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		g.Logs = a.logs[logStart:li:li]
		g.Tags = a.tagFields(tagIdx)
		a.tagIdx = tagIdx
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a.groups, nil
}

// tagFields returns the group's tags as one contiguous slice. Tags are usually written after the logs, and then
// they already are contiguous in a.fields; otherwise they are copied into a separate slice.
func (a *arena) tagFields(idx []int) []record.Field {
	if len(idx) == 0 {
		return a.fields[:0:0]
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
		return a.fields[first : first+len(idx) : first+len(idx)]
	}
	out := make([]record.Field, len(idx))
	for i, k := range idx {
		out[i] = a.fields[k]
	}
	return out
}

// pair decodes a LogContent or LogTag.
func pair(b []byte) (record.Field, error) {
	var f record.Field
	for len(b) > 0 {
		num, typ, v, _, rest, err := field(b)
		if err != nil {
			return f, err
		}
		b = rest
		if typ == wireBytes {
			switch num {
			case fieldPairKey:
				f.Key = str(v)
			case fieldPairValue:
				f.Value = str(v)
			}
		}
	}
	return f, nil
}

// walkLog decodes one Log into l, its contents into fields from index fi on; it returns the next free index.
func walkLog(b []byte, l *record.Log, fields []record.Field, fi int) (int, error) {
	start := fi
	for len(b) > 0 {
		num, typ, v, n, rest, err := field(b)
		if err != nil {
			return fi, err
		}
		b = rest
		switch {
		case num == fieldLogContents && typ == wireBytes:
			f, err := pair(v)
			if err != nil {
				return fi, err
			}
			fields[fi] = f
			fi++
		case num == fieldLogTime && typ == wireVarint:
			l.Time = uint32(n)
		case num == fieldLogTimeNs && typ == wireFixed32:
			l.TimeNs = uint32(n)
		}
	}
	l.Contents = fields[start:fi:fi]
	return fi, nil
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
	} else if key, k = binary.Uvarint(b); k <= 0 {
		return 0, 0, nil, 0, nil, errTruncated
	}
	b = b[k:]
	num, typ = int(key>>3), int(key&7)
	if num == 0 {
		return 0, 0, nil, 0, nil, errors.New("protobuf: field number 0")
	}
	switch typ {
	case wireBytes:
		var l uint64
		if len(b) > 0 && b[0] < 0x80 {
			l, k = uint64(b[0]), 1
		} else {
			l, k = binary.Uvarint(b)
		}
		if k <= 0 || l > uint64(len(b)-k) {
			return 0, 0, nil, 0, nil, errTruncated
		}
		return num, typ, b[k : k+int(l)], 0, b[k+int(l):], nil
	case wireVarint:
		n, k = binary.Uvarint(b)
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
	default:
		return 0, 0, nil, 0, nil, fmt.Errorf("protobuf: unsupported wire type %d", typ)
	}
}

// eachField calls fn for every field of a message: the field number, the wire type, and either the bytes of a
// length-delimited field or the value of a numeric one.
func eachField(b []byte, fn func(num int, typ int, v []byte, n uint64) error) error {
	for len(b) > 0 {
		num, typ, v, n, rest, err := field(b)
		if err != nil {
			return err
		}
		b = rest
		if err := fn(num, typ, v, n); err != nil {
			return err
		}
	}
	return nil
}
