package slsemu

import (
	"fmt"
	"unicode/utf8"
)

// The naming rules of SLS (Alibaba Cloud's documentation of projects, logstores and consumer groups). The emulator
// enforces them so that a name it accepts also works against SLS; docs/emulator.md lists them.
var (
	projectRule  = nameRule{kind: "project", min: 3, max: 63, allowed: "lower-case letters, digits and hyphens"}
	logstoreRule = nameRule{kind: "logstore", min: 3, max: 63, underscore: true,
		allowed: "lower-case letters, digits, hyphens and underscores"}
	groupRule = nameRule{kind: "consumer group", min: 2, max: 63, underscore: true,
		allowed: "lower-case letters, digits, hyphens and underscores"}
)

// nameRule is one kind of name: min to max characters of [a-z0-9-] (and _ with underscore), starting and ending
// with a lower-case letter or a digit.
type nameRule struct {
	kind       string
	min, max   int
	underscore bool
	allowed    string // the character set in words
}

// check returns an error that names the first rule n breaks, or nil.
func (r nameRule) check(n string) error {
	if l := utf8.RuneCountInString(n); l < r.min || l > r.max {
		return fmt.Errorf("%s name %q: must be %d to %d characters long, not %d", r.kind, n, r.min, r.max, l)
	}
	for _, c := range n {
		if !alnum(c) && c != '-' && (c != '_' || !r.underscore) {
			return fmt.Errorf("%s name %q: may contain only %s, not %q", r.kind, n, r.allowed, string(c))
		}
	}
	if !alnum(rune(n[0])) || !alnum(rune(n[len(n)-1])) {
		return fmt.Errorf("%s name %q: must start and end with a lower-case letter or a digit", r.kind, n)
	}
	return nil
}

func alnum(c rune) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
