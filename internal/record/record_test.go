package record

import "testing"

func TestLookup(t *testing.T) {
	g := &Group{Topic: "t", Source: "s", Tags: []Field{{"host", "h1"}, {"empty", ""}}}
	l := &Log{Contents: []Field{{"a", "1"}, {"a", "2"}, {"__topic__", "shadow"}, {"b", ""}}}
	for _, tc := range []struct {
		key, want string
		ok        bool
	}{
		{"a", "1", true}, // the first of duplicates
		{"b", "", true},
		{"c", "", false},
		{"__topic__", "shadow", true}, // a content named like a group field comes first
		{"__source__", "s", true},
		{"__tag__:host", "h1", true},
		{"__tag__:empty", "", true},
		{"__tag__:nope", "", false},
		{"__tag__:", "", false},
		{"", "", false},
	} {
		v, ok := g.Lookup(l, tc.key)
		if v != tc.want || ok != tc.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tc.key, v, ok, tc.want, tc.ok)
		}
	}
}
