package rules

import (
	"strings"

	"github.com/siemship/siemship/internal/record"
)

// Match returns the index in Rules of the first rule that matches log l of group g, or -1 when none does (or s is
// nil, so that callers without a rules file need no special case). It does not allocate and is safe for concurrent
// use: it runs for every record on every shard.
func (s *Set) Match(g *record.Group, l *record.Log) int {
	if s == nil {
		return -1
	}
	for i := range s.conds {
		if s.conds[i].holds(g, l) {
			return i
		}
	}
	return -1
}

func (rc *ruleCond) holds(g *record.Group, l *record.Log) bool {
	if !rc.when.holds(g, l) {
		return false
	}
	for i := range rc.except {
		if rc.except[i].holds(g, l) {
			return false
		}
	}
	return true
}

// holds tests the cheap conditions first: equality, then substrings, then regular expressions.
func (c *cond) holds(g *record.Group, l *record.Log) bool {
	for i := range c.match {
		if !c.match[i].holds(g, l) {
			return false
		}
	}
	if len(c.keywords) > 0 && !anyValue(g, l, c.keywords, containsAny) {
		return false
	}
	for i := range c.regex {
		if !c.regex[i].holds(g, l) {
			return false
		}
	}
	return true
}

func (m *fieldMatch) holds(g *record.Group, l *record.Log) bool {
	if m.field.group {
		v, ok := g.Lookup(l, m.field.name)
		if !ok {
			return m.orAbsent
		}
		return m.accepts(v)
	}
	// Not Lookup: with duplicate keys any content may satisfy the condition, not only the first.
	found := false
	for i := range l.Contents {
		if l.Contents[i].Key != m.field.name {
			continue
		}
		if m.accepts(l.Contents[i].Value) {
			return true
		}
		found = true
	}
	return !found && m.orAbsent
}

func (m *fieldMatch) accepts(v string) bool {
	if m.nonEmpty {
		return v != ""
	}
	if m.set != nil {
		_, ok := m.set[v]
		return ok
	}
	for _, w := range m.values {
		if v == w {
			return true
		}
	}
	return false
}

func (r *fieldRegex) holds(g *record.Group, l *record.Log) bool {
	switch {
	case r.field.all:
		return anyValue(g, l, r, (*fieldRegex).matches)
	case r.field.group:
		v, ok := g.Lookup(l, r.field.name)
		return ok && r.re.MatchString(v)
	}
	for i := range l.Contents {
		if l.Contents[i].Key == r.field.name && r.re.MatchString(l.Contents[i].Value) {
			return true
		}
	}
	return false
}

func (r *fieldRegex) matches(v string) bool { return r.re.MatchString(v) }

// anyValue reports whether test(arg, v) holds for any field value v of the record: contents, topic, source, tags.
// Generic over arg rather than a closure, which would allocate per call.
func anyValue[T any](g *record.Group, l *record.Log, arg T, test func(T, string) bool) bool {
	for i := range l.Contents {
		if test(arg, l.Contents[i].Value) {
			return true
		}
	}
	if test(arg, g.Topic) || test(arg, g.Source) {
		return true
	}
	for i := range g.Tags {
		if test(arg, g.Tags[i].Value) {
			return true
		}
	}
	return false
}

func containsAny(keywords []string, v string) bool {
	for _, k := range keywords {
		if strings.Contains(v, k) {
			return true
		}
	}
	return false
}
