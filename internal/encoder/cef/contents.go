package cef

import (
	"slices"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/encoder/internal/vector"
	"github.com/siemship/siemship/internal/record"
)

// appendContents appends " key=value" for each of contents below limit, and returns false when one did not fit.
// Where the CPU has vector.CopyPairs, it copies each run of contents that need no escaping with one call, and
// leaves the content that stopped it to appendContent (or to the group's key cache, whose keys always stop it);
// elsewhere appendContent writes every content. Both write the same bytes.
func appendContents(dst []byte, contents []record.Field, limit int, sh *shared, r *Result) ([]byte, bool) {
	vec := vectorPairs
	rem := 0 // the length of contents[i:] as they are
	if vec {
		for i := range contents {
			rem += 2 + len(contents[i].Key) + len(contents[i].Value)
		}
	}
	ok := true
	for i := 0; ok && i < len(contents); i++ {
		f := &contents[i]
		if sh != nil && i < maxCachedKeys && sh.cached>>i&1 != 0 && sh.keys[i].key == f.Key {
			dst, ok = appendCachedKeyContent(dst, &sh.keys[i], f.Value, limit, r)
			rem -= 2 + len(f.Key) + len(f.Value)
			continue
		}
		if start := len(dst); vec && limit-start > 0 {
			dst = slices.Grow(dst, rem)
			buf := dst[start : start+min(rem, limit-start)]
			k, pairs, nonASCII := vector.CopyPairs(buf, " ", contents[i:], pairTables)
			if pairs > 0 && (!nonASCII || utf8.Valid(buf[:k])) {
				dst = dst[:start+k]
				rem -= k
				i += pairs - 1
				continue
			}
			dst = dst[:start]
			vec = !nonASCII // invalid UTF-8 in the run: the Go path sorts out the rest
		}
		dst, ok = appendContent(dst, i, f, limit, sh, r)
		rem -= 2 + len(f.Key) + len(f.Value)
	}
	return dst, ok
}

// appendContent appends " key=value" for f, the i-th content of a log, as appendPair does: it copies the pair with
// copyKey and copyValue, which check the bytes as they copy them (UTF-8 only for a value with a non-ASCII byte,
// the 'x' escape only for a key with an 'x'), writes a key that needs transforming into the group's key cache,
// and leaves the rest to appendPair.
func appendContent(dst []byte, i int, f *record.Field, limit int, sh *shared, r *Result) ([]byte, bool) {
	start := len(dst)
	n := len(f.Key) + len(f.Value) + 2
	if n <= limit-start {
		dst = slices.Grow(dst, n)
		buf := dst[start : start+n]
		buf[0] = ' '
		alnum, xs := copyKey(buf[1:], f.Key)
		buf[1+len(f.Key)] = '='
		plain, all := copyValue(buf[2+len(f.Key):], f.Value)
		keyOK := keyPlain("", f.Key, alnum, xs)
		if keyOK && plain&chars.Highs == chars.Highs && (all&chars.Highs == 0 || utf8.ValidString(f.Value)) {
			return dst[:start+n], true
		}
		if !keyOK && sh != nil && sh.cacheKey(i, f.Key) {
			return appendCachedKeyContent(dst[:start], &sh.keys[i], f.Value, limit, r)
		}
	}
	return appendPair(dst[:start], false, "", f.Key, f.Value, limit, r)
}
