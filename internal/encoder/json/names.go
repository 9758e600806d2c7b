package jsonenc

import (
	"math/bits"
	"strconv"
	"strings"
	"sync"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/record"
)

// Reserved member names. __time__, __topic__ and __source__ open every object, __truncated__ closes a cut one.
const (
	timeName      = "__time__"
	topicName     = "__topic__"
	sourceName    = "__source__"
	tagPrefix     = "__tag__:"
	truncatedName = "__truncated__"
)

// Keys of an object are unique: Elasticsearch rejects a document with a repeated key (Jackson's strict duplicate
// detection, on since 6.0), and other decoders keep only one of the values. The members of a record are, in
// order: __time__, __topic__, __source__, __tag__:<key> for each tag, the contents; __truncated__ is reserved
// for the marker of a cut object, whether or not this one is cut. A member whose name an earlier member (or the
// marker) already has is sent as name#N, N the smallest number from 2 up whose name#N no other member of the
// record has, before or after it, and no earlier renamed member got. Names are compared as a JSON decoder gives
// them back (canonical: invalid UTF-8 replaced by U+FFFD), so two keys that differ only in their invalid bytes
// are repeats too.
//
// The common record repeats nothing. repeats finds that cheaply (without allocating) on the keys as they are;
// the writer notices a key with invalid UTF-8 (state.lossyKey) and then asks renames, which works on the
// canonical names.

// dupMark separates a repeated name from its number.
const dupMark = "#"

// renames returns, for every member of l in g in order (time, topic, source, tags, contents), the name it is sent
// under when that is not its own, and "" where it is (a renamed member's name is never empty); nil when every
// member keeps its name. A renamed key is the key as it is with #N appended: the writer escapes it. It allocates;
// it is for the rare record that needs it.
func renames(g *record.Group, l *record.Log) []string {
	n := 3 + len(g.Tags) + len(l.Contents)
	orig := make([]string, 0, n) // the names as sent, before renaming: keys as they are
	canon := make([]string, 0, n)
	orig = append(orig, timeName, topicName, sourceName)
	for _, t := range g.Tags {
		orig = append(orig, tagPrefix+t.Key)
	}
	for _, c := range l.Contents {
		orig = append(orig, c.Key)
	}
	all := make(map[string]struct{}, n+1) // canonical names of every member, and the marker's
	all[truncatedName] = struct{}{}
	for _, s := range orig {
		c := canonical(s)
		canon = append(canon, c)
		all[c] = struct{}{}
	}
	used := map[string]struct{}{truncatedName: {}} // canonical names the members so far were sent under
	var next map[string]int                        // the next number to try for a repeated name
	var out []string
	for i, c := range canon {
		if _, taken := used[c]; !taken {
			used[c] = struct{}{}
			continue
		}
		if out == nil {
			out = make([]string, n)
			next = make(map[string]int)
		}
		k := max(next[c], 2)
		var cand string
		for ; ; k++ {
			cand = c + dupMark + strconv.Itoa(k)
			_, inRecord := all[cand]
			_, taken := used[cand]
			if !inRecord && !taken {
				break
			}
		}
		next[c] = k + 1
		used[cand] = struct{}{}
		out[i] = orig[i] + dupMark + strconv.Itoa(k)
	}
	return out
}

// smallSet is how many keys repeats checks with its Bloom filter and a scan; above it, a pooled map.
const smallSet = 64

// keySets are maps for repeats on records with many contents, kept to be reused.
var keySets = sync.Pool{New: func() any { return make(map[string]struct{}) }}

// repeats reports whether two of keys are equal, or (prefixed) one of them starts with "__" and is a reserved name
// or the name of a tag of g. It does not allocate for up to smallSet keys.
func repeats(keys []record.Field, g *record.Group, prefixed bool) bool {
	if len(keys) > smallSet {
		set := keySets.Get().(map[string]struct{})
		defer func() { clear(set); keySets.Put(set) }()
		for i := range keys {
			k := keys[i].Key
			if _, ok := set[k]; ok || prefixed && reserved(k, g) {
				return true
			}
			set[k] = struct{}{}
		}
		return false
	}
	var bloom [2]uint64
	for i := range keys {
		k := keys[i].Key
		if prefixed && isReserved(k, g) {
			return true
		}
		h := keyHash(k) >> 57
		w, bit := h>>6, uint64(1)<<(h&63)
		if bloom[w]&bit != 0 && hasKey(keys[:i], k) {
			return true
		}
		bloom[w] |= bit
	}
	return false
}

// hasKey reports whether one of fields has key k.
func hasKey(fields []record.Field, k string) bool {
	for j := range fields {
		if fields[j].Key == k {
			return true
		}
	}
	return false
}

// isReserved is reserved for the usual key, which does not start with "__", without a call.
func isReserved(k string, g *record.Group) bool {
	return len(k) >= 2 && k[0] == '_' && k[1] == '_' && reserved(k, g)
}

// reserved reports whether content key k is a name that every object has (__time__, __topic__, __source__),
// the marker's, or the name of one of g's tags.
func reserved(k string, g *record.Group) bool {
	switch k {
	case timeName, topicName, sourceName, truncatedName:
		return true
	}
	if t, ok := strings.CutPrefix(k, tagPrefix); ok {
		for i := range g.Tags {
			if g.Tags[i].Key == t {
				return true
			}
		}
	}
	return false
}

// keyHash mixes the length and the first and last eight bytes of s (keyWords): enough to tell apart most keys of
// a record (repeats compares whole keys when the filter says maybe).
func keyHash(s string) uint64 {
	a, b := keyWords(s)
	return mixKey(a, b, len(s))
}

// keyWords are the first and last eight bytes of s (overlapping when s is shorter than 16), the first and last
// four of a string of 4..7 bytes, and the first, middle and last byte of a shorter one: the words copyKey loads.
func keyWords(s string) (a, b uint64) {
	n := len(s)
	switch {
	case n >= 8:
		return chars.Load64(s, 0), chars.Load64(s, n-8)
	case n >= 4:
		return uint64(chars.Load32(s, 0)), uint64(chars.Load32(s, n-4))
	case n > 0:
		return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16, 0
	}
	return 0, 0
}

func mixKey(a, b uint64, n int) uint64 {
	h := (a ^ bits.RotateLeft64(b, 29) ^ uint64(n)<<56) * 0x9e3779b97f4a7c15
	return h ^ h>>31
}
