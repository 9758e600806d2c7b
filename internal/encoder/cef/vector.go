package cef

import "github.com/siemship/siemship/internal/encoder/internal/vector"

// vectorPairs says whether appendContents copies runs of plain contents with vector.CopyPairs; tests turn it off
// to check the Go path, which is the whole path on CPUs without AVX-512.
var vectorPairs = vector.Available

// pairTables stop vector.CopyPairs at each content that appendContent would not copy as it is: a key with a byte
// that is not an ASCII letter or digit, or with an 'x' (which may start an escape: appendContent looks closer), a
// consumer key (and, by the filter, a few other keys), and a value with a byte that CEF escapes. Non-ASCII
// values pass; the caller checks their UTF-8.
var pairTables = func() *vector.Tables {
	t, ok := vector.NewTables(func(c byte) bool { return !isAlnum(c) || c == 'x' },
		func(c byte) bool { return c < 0x20 || c == 0x7f || c == '\\' || c == '=' }, consumerKeys[:]...)
	if !ok {
		panic("cef: the extension's byte classes do not fit vector.Tables")
	}
	return t
}()
