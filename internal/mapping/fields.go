package mapping

import (
	"fmt"
	"strings"

	"github.com/siemship/siemship/internal/record"
)

// Rename gives a field another key in the message: To, or To6 when To6 is set and the value is an IPv6 address
// (holds a ':'), as CEF's src takes IPv4 only and c6a2 IPv6.
type Rename struct {
	From, To, To6 string
}

// ParseRenames parses "from=to,from2=to2|to2v6": comma-separated entries; "to|to6" renames an IPv6 value to to6.
func ParseRenames(s string) ([]Rename, error) {
	var rs []Rename
	seen := map[string]bool{}
	for _, e := range splitList(s) {
		from, to, ok := strings.Cut(e, "=")
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("entry %q: want from=to", e)
		}
		r := Rename{From: from, To: to}
		if a, b, ok := strings.Cut(to, "|"); ok {
			if a == "" || b == "" {
				return nil, fmt.Errorf("entry %q: want from=to|to6 with two names", e)
			}
			r.To, r.To6 = a, b
		}
		if seen[from] {
			return nil, fmt.Errorf("entry %q: %q renamed twice", e, from)
		}
		seen[from] = true
		rs = append(rs, r)
	}
	return rs, nil
}

// ParseFieldList parses a comma-separated list of field keys; a key ending in '*' stands for every key with that
// prefix ("requestParameters.*").
func ParseFieldList(s string) ([]string, error) {
	keys := splitList(s)
	for _, k := range keys {
		if k == "" || k == "*" {
			return nil, fmt.Errorf("entry %q: want a key or a prefix followed by *", k)
		}
		if i := strings.IndexByte(k, '*'); i >= 0 && i != len(k)-1 {
			return nil, fmt.Errorf("entry %q: * only at the end (a prefix)", k)
		}
	}
	return keys, nil
}

// Add is a field appended to every record whose Value expands to a non-empty text.
type Add struct {
	Key   string
	Value *Template
}

// ParseAdds parses "key=value,key2=value2", where each value may be a template (${field}, ${field:-word},
// ${field:+word}); a value that expands to "" adds nothing.
func ParseAdds(s string) ([]Add, error) {
	var as []Add
	for _, e := range splitList(s) {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("entry %q: want key=value", e)
		}
		t, err := ParseTemplate(v)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", e, err)
		}
		as = append(as, Add{Key: k, Value: t})
	}
	return as, nil
}

// splitList splits a comma-separated list, trimming spaces around entries; "" is no entry.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// keyMatcher tells whether a key is in a list of keys and prefixes.
type keyMatcher struct {
	exact    map[string]bool
	prefixes []string
}

func newKeyMatcher(keys []string) keyMatcher {
	m := keyMatcher{exact: map[string]bool{}}
	for _, k := range keys {
		if p, ok := strings.CutSuffix(k, "*"); ok {
			m.prefixes = append(m.prefixes, p)
		} else {
			m.exact[k] = true
		}
	}
	return m
}

func (m *keyMatcher) empty() bool { return len(m.exact) == 0 && len(m.prefixes) == 0 }

func (m *keyMatcher) match(k string) bool {
	if m.exact[k] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// fieldRule is what happens to a content key: dropped, or sent under to (to6 for an IPv6 value; "" keeps the key).
type fieldRule struct {
	key     string
	drop    bool
	to, to6 string
}

// ruleFor decides what happens to key: the keep and drop lists, then the renames.
func (m *Mapper) ruleFor(key string) fieldRule {
	r := fieldRule{key: key}
	if !m.keep.empty() && !m.keep.match(key) || !m.drop.empty() && m.drop.match(key) {
		r.drop = true
		return r
	}
	if rn, ok := m.renames[key]; ok {
		r.to, r.to6 = rn.To, rn.To6
	}
	return r
}

// appendFields appends the contents of l as the encoder should see them: kept (keep empty: all), not dropped,
// renamed. The decision for each key is remembered by position in s.keys, since the logs of a group mostly share
// their keys in order: a key equal to the one remembered costs a comparison instead of map lookups.
func (m *Mapper) appendFields(dst []record.Field, l *record.Log, s *Scratch) []record.Field {
	for i, f := range l.Contents {
		if i == len(s.keys) {
			s.keys = append(s.keys, m.ruleFor(f.Key))
		} else if s.keys[i].key != f.Key {
			s.keys[i] = m.ruleFor(f.Key)
		}
		r := &s.keys[i]
		if r.drop {
			continue
		}
		if r.to != "" {
			f.Key = r.to
			if r.to6 != "" && strings.IndexByte(f.Value, ':') >= 0 {
				f.Key = r.to6
			}
		}
		dst = append(dst, f)
	}
	return dst
}
