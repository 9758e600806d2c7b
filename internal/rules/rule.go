package rules

import (
	"regexp"

	"github.com/siemship/siemship/internal/record"
)

// Rule is one rule of a file as the rest of siemship needs it: its name for metrics and logs, and its actions.
type Rule struct {
	Name     string         // unique in its file, [A-Za-z0-9_.-]{1,64}, so that it can be a metric label
	Line     int            // line of the rule in the file, for messages that point the operator at it
	Severity int            // syslog severity 0..7 to send the record with, or -1 when the rule does not set one
	Drop     bool           // the record is not sent; never together with Severity or Tag
	Tag      []record.Field // fields to append to the record, in file order
}

// Set is the ordered rules of one file; safe for concurrent use after Parse.
type Set struct {
	rules []Rule
	conds []ruleCond // conds[i] decides whether rules[i] matches; kept apart so that Rule stays plain data
}

// Rules returns the rules in file order. The slice is the Set's own (no copy, as callers may look rules up per
// record): callers must not modify it.
func (s *Set) Rules() []Rule {
	if s == nil {
		return nil
	}
	return s.rules
}

// ruleCond is the compiled conditions of one rule.
type ruleCond struct {
	when   cond
	except []cond // the rule does not match when any of these holds
}

// cond is one set of conditions, all of which must hold: a rule's own or one of its exclusions.
type cond struct {
	match    []fieldMatch
	keywords []string // any field value contains one of them; none: no keyword condition
	regex    []fieldRegex
}

// field is a field name resolved once at parse time into how Match finds it.
type field struct {
	name  string
	group bool // __topic__, __source__ or __tag__:<key>: found with record.Group.Lookup
	all   bool // "*" (regex only): every field value of the record
}

// fieldMatch is one match condition: the field equals one of some values.
type fieldMatch struct {
	field    field
	nonEmpty bool                // the single value "*": present with a non-empty value
	orAbsent bool                // "" is among the values: an absent field also satisfies it
	values   []string            // few values: a linear scan beats hashing
	set      map[string]struct{} // many values: looked up instead of values
}

// fieldRegex is one regex condition.
type fieldRegex struct {
	field field
	re    *regexp.Regexp
}
