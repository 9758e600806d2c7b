// Package ledger counts which generated records arrived at a receiver: every record the emulator's generator
// writes carries a unique decimal seq field, so loss and duplicates can be told apart exactly. The demo, the
// end-to-end tests and the benchmark share it.
package ledger

import (
	"bytes"
	"strings"
	"sync"

	"github.com/siemship/siemship/internal/encoder/leef"
)

// Ledger records the seq values seen in received syslog messages. It is safe for concurrent use.
type Ledger struct {
	key []byte // separator + "seq="

	mu       sync.Mutex
	seen     []uint64 // bitset of seq values
	received uint64
	dups     uint64
	noSeq    uint64
	max      uint64
}

// New returns a ledger for payloads whose pairs start with sep (siemship's SYSLOG_SEP, "||" by default).
func New(sep string) *Ledger {
	return NewKey(sep + "seq=")
}

// NewKey returns a ledger for payloads in which the seq value follows key, the bytes that introduce the seq pair in
// the payload's format (SeqKey).
func NewKey(key string) *Ledger {
	return &Ledger{key: []byte(key)}
}

// SeqKey is what introduces the seq pair in a payload of format (SIEMSHIP_FORMAT): sep+"seq=" for kv (sep is
// SYSLOG_SEP), " seq=" for cef, the delimiter and "seq=" for leef (delim), `"seq":"` for json.
func SeqKey(format, sep, delim string) string {
	switch format {
	case "cef":
		return " seq="
	case "leef":
		return delim + "seq="
	case "json":
		return `"seq":"`
	}
	return sep + "seq="
}

// Observe records one received message (the syslog message without framing).
func (l *Ledger) Observe(msg []byte) {
	seq, ok := l.seq(msg)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.received++
	if !ok {
		l.noSeq++
		return
	}
	w, bit := seq/64, uint64(1)<<(seq%64)
	for uint64(len(l.seen)) <= w {
		l.seen = append(l.seen, make([]uint64, len(l.seen)+1)...)
	}
	if l.seen[w]&bit != 0 {
		l.dups++
		return
	}
	l.seen[w] |= bit
	if seq > l.max {
		l.max = seq
	}
}

// seq finds the seq pair in the payload. The encoder escapes the first byte of a separator inside a key or value
// with a backslash, so the only unescaped "<sep>seq=" is the pair itself. It looks for the key's 'q' (rare in
// syslog headers and payloads, unlike the separator's bytes) and compares the key around it: every occurrence of
// the key has its 'q' at the same offset, so the first match is the first occurrence.
func (l *Ledger) seq(msg []byte) (uint64, bool) {
	q := bytes.LastIndexByte(l.key, 'q') // offset of 'q' in the key
	i := q
	for {
		if i >= len(msg) {
			return 0, false
		}
		j := bytes.IndexByte(msg[i:], 'q')
		if j < 0 {
			return 0, false
		}
		i += j
		start := i - q
		if start >= 0 && start+len(l.key) <= len(msg) && bytes.Equal(msg[start:start+len(l.key)], l.key) && !escaped(msg, start) {
			i = start
			break
		}
		i++
	}
	var v uint64
	digits := 0
	for _, c := range msg[i+len(l.key):] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + uint64(c-'0')
		digits++
		if digits > 19 {
			return 0, false
		}
	}
	return v, digits > 0
}

// escaped reports whether msg[i] is preceded by an odd number of backslashes, i.e. escaped by the encoder.
func escaped(msg []byte, i int) bool {
	n := 0
	for i > 0 && msg[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

// Report is the ledger's verdict.
type Report struct {
	Received   uint64 // messages received
	Unique     uint64 // distinct seq values received
	Duplicates uint64 // messages whose seq had been received before
	NoSeq      uint64 // messages without a seq field
}

// Report returns the counts so far.
func (l *Ledger) Report() Report {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Report{Received: l.received, Unique: l.received - l.dups - l.noSeq, Duplicates: l.dups, NoSeq: l.noSeq}
}

// Missing returns the seq values in [first, last] that were not received, at most limit of them. The emulator's
// generator numbers records 1..N.
func (l *Ledger) Missing(first, last uint64, limit int) []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []uint64
	for s := first; s <= last && len(out) < limit; s++ {
		w := s / 64
		if w >= uint64(len(l.seen)) || l.seen[w]&(1<<(s%64)) == 0 {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether seq was received.
func (l *Ledger) Has(seq uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := seq / 64
	return w < uint64(len(l.seen)) && l.seen[w]&(1<<(seq%64)) != 0
}

// KeyFromEnv is SeqKey for the settings in env (KEY=value, the last one wins): SIEMSHIP_FORMAT, SYSLOG_SEP and
// LEEF_DELIMITER, with siemship's defaults.
func KeyFromEnv(env []string) string {
	format, sep, delim := "kv", "||", ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "SIEMSHIP_FORMAT":
			format = strings.ToLower(v)
		case "SYSLOG_SEP":
			sep = v
		case "LEEF_DELIMITER":
			delim = v
		}
	}
	d, err := leef.ParseDelimiter(leef.V2, delim)
	if err != nil {
		d = leef.DefaultDelimiter
	}
	return SeqKey(format, sep, string(d))
}
