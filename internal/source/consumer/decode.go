package consumer

import (
	"unsafe"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/record"
)

// arena holds the slices a batch's records point into, reused from batch to batch of one shard.
type arena struct {
	groups []record.Group
	logs   []record.Log
	fields []record.Field
	tagIdx []int  // walk's scratch
	raw    []byte // decompressed pull the groups point into (pullTransport's slots), reused by the next pull
	body   []byte // the compressed response body of the last pull, reused by the next pull
}

// Sizes of the arena's elements.
const (
	groupBytes = int64(unsafe.Sizeof(record.Group{}))
	logBytes   = int64(unsafe.Sizeof(record.Log{}))
	fieldBytes = int64(unsafe.Sizeof(record.Field{}))
	intBytes   = int64(unsafe.Sizeof(int(0)))
)

// size is the memory the arena holds: the capacity of its buffers, kept for the next batch.
func (a *arena) size() int64 {
	return int64(cap(a.raw)) + int64(cap(a.body)) + int64(cap(a.groups))*groupBytes + int64(cap(a.logs))*logBytes +
		int64(cap(a.fields))*fieldBytes + int64(cap(a.tagIdx))*intBytes
}

// need is the memory the arena's current batch uses.
func (a *arena) need() int64 {
	return int64(len(a.raw)) + int64(len(a.groups))*groupBytes + int64(len(a.logs))*logBytes +
		int64(len(a.fields))*fieldBytes
}

// convert fills a.groups from the SDK's decoded list. Strings are shared with lgl, not copied. Slices are reused
// from the previous batch of the same shard, so steady state costs no allocation.
func (a *arena) convert(lgl *sls.LogGroupList) []record.Group {
	nGroups, nLogs, nFields := 0, 0, 0
	if lgl != nil {
		for _, g := range lgl.LogGroups {
			if g == nil {
				continue
			}
			nGroups++
			nFields += len(g.LogTags)
			for _, l := range g.Logs {
				if l == nil {
					continue
				}
				nLogs++
				nFields += len(l.Contents)
			}
		}
	}
	a.groups = grow(a.groups, nGroups)
	a.logs = grow(a.logs, nLogs)
	a.fields = grow(a.fields, nFields)
	if nGroups == 0 {
		return a.groups
	}
	fields, logs := a.fields, a.logs
	gi := 0
	for _, g := range lgl.LogGroups {
		if g == nil {
			continue
		}
		out := &a.groups[gi]
		gi++
		out.Topic, out.Source = g.GetTopic(), g.GetSource()
		out.Tags = fields[:0:len(g.LogTags)]
		for _, t := range g.LogTags {
			if t == nil {
				continue
			}
			out.Tags = append(out.Tags, record.Field{Key: t.GetKey(), Value: t.GetValue()})
		}
		fields = fields[len(g.LogTags):]
		n := 0
		for _, l := range g.Logs {
			if l != nil {
				n++
			}
		}
		out.Logs = logs[:n:n]
		logs = logs[n:]
		li := 0
		for _, l := range g.Logs {
			if l == nil {
				continue
			}
			rl := &out.Logs[li]
			li++
			rl.Time, rl.TimeNs = l.GetTime(), l.GetTimeNs()
			rl.Contents = fields[:0:len(l.Contents)]
			for _, c := range l.Contents {
				if c == nil {
					continue
				}
				rl.Contents = append(rl.Contents, record.Field{Key: c.GetKey(), Value: c.GetValue()})
			}
			fields = fields[len(l.Contents):]
		}
	}
	return a.groups
}

// grow returns s with length n, reusing its array when it is large enough. A new array has headroom (see
// headroom), so that the next batches of about the same size reuse it.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, headroom(n))
	}
	var zero T
	s = s[:n]
	for i := range s {
		s[i] = zero
	}
	return s
}

// Groups converts one decoded list into fresh record groups that share strings with lgl (for tools such as the
// benchmark that pull a batch themselves; the consumer reuses per-shard arenas instead).
func Groups(lgl *sls.LogGroupList) []record.Group {
	var a arena
	return a.convert(lgl)
}

// headroom is the capacity to allocate for n elements of a buffer reused from batch to batch: an eighth more, since
// batches of one consumer differ in size by a few percent, and a buffer allocated exactly would be replaced (and
// its memory freshly faulted in) whenever a slightly larger batch came.
func headroom(n int) int { return n + n/8 }

// Walk decodes a serialized LogGroupList as pulls are decoded (zero copy: the strings alias raw) into fresh
// groups, for benchmarks and tools outside the package.
func Walk(raw []byte) ([]record.Group, error) {
	var a arena
	return a.walk(raw)
}
