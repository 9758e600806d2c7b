package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/record"
)

// Limits that keep a mistaken file (a log pasted in, a generated list gone wrong) from slowing every record down or
// taking the memory of the pulled batches.
const (
	maxRules     = 1000
	maxFileBytes = 1 << 20
	// maxScanValues: at or below this many values a match condition scans its values instead of hashing.
	maxScanValues = 8
)

// Load reads the rules file at path and parses it; the file name is the source in Parse's messages.
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rules file: %w", err) // the *PathError names the file
	}
	defer f.Close()
	// One byte more than the limit, so that Parse sees a file that is too large without reading all of it.
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("rules file: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes and validates a rules file. source names the file in the messages: every problem is reported, each
// as "source:line: message", joined with errors.Join.
func Parse(data []byte, source string) (*Set, error) {
	p := &parser{source: source}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s: larger than the limit of 1 MiB (%d bytes)", source, maxFileBytes)
	}
	if !p.checkText(data) {
		return nil, p.err()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(1, "no rules")
		} else {
			p.syntaxError(err)
		}
		return nil, p.err()
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.errorf(next.Line, "a second YAML document: the rules file holds one")
	case !errors.Is(err, io.EOF):
		p.syntaxError(err)
	}
	p.aliases(&doc)
	s := p.file(&doc)
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// parser collects the problems of one file, so that the operator sees all of them in one `siemship check`.
type parser struct {
	source string
	errs   []error
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s", p.source, line, fmt.Sprintf(format, args...)))
}

func (p *parser) err() error { return errors.Join(p.errs...) }

// checkText reports the first character YAML refuses, with its line: the decoder's own message has none.
func (p *parser) checkText(data []byte) bool {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			p.errorf(line, "not valid UTF-8 (the rules file must be UTF-8)")
			return false
		case r == '\n':
			line++
		case r == 0xFEFF && i == 0: // a byte order mark
		case r == '\t' || r == '\r' || r >= 0x20 && r <= 0x7e || r == 0x85 || r >= 0xa0 && r <= 0xd7ff ||
			r >= 0xe000 && r <= 0xfffd || r >= 0x10000:
		default:
			p.errorf(line, "control character %U (YAML does not allow it)", r)
			return false
		}
		i += size
	}
	return true
}

// parserProblems are the messages of the YAML parser (as opposed to its scanner), whose line numbers the decoder
// reports counted from 0 (go-yaml's fail()); they get 1 added.
var parserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// composerProblems are the decoder's messages about the document's structure (anchors), which carry no line.
var composerProblems = []string{"unknown anchor", "anchor '", "document contains excessive aliasing", "attempted to go past"}

// syntaxError turns the YAML decoder's "yaml: line N: message" into "source:N: message". The decoder leaves the
// line out when it is the first.
func (p *parser) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, text
			}
		}
	}
	switch {
	case hasPrefix(msg, parserProblems):
		p.errorf(line+1, "%s", msg)
	case line > 0:
		p.errorf(line, "%s", msg)
	case hasPrefix(msg, composerProblems):
		p.errs = append(p.errs, fmt.Errorf("%s: %s", p.source, msg))
	default:
		p.errorf(1, "%s", msg)
	}
}

func hasPrefix(s string, prefixes []string) bool {
	for _, prefix := range prefixes {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// aliases reports every alias: resolving them would let a small file expand into many rules or values, and the
// line of an error inside an aliased value would point elsewhere. The schema walk skips alias nodes silently.
func (p *parser) aliases(n *yaml.Node) {
	if n.Kind == yaml.AliasNode {
		p.errorf(n.Line, "YAML aliases (*%s) are not supported: write the value out", n.Value)
		return
	}
	for _, c := range n.Content {
		p.aliases(c)
	}
}

func (p *parser) file(doc *yaml.Node) *Set {
	root := doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			p.errorf(doc.Line, "no rules")
			return nil
		}
		root = doc.Content[0]
	}
	if isNull(root) {
		p.errorf(doc.Line, "no rules")
		return nil
	}
	var list *yaml.Node
	if !p.mapping(root, "the file", func(key string, k, v *yaml.Node) {
		if key != "rules" {
			p.errorf(k.Line, "unknown key %q (the file has one key, rules)", key)
			return
		}
		list = v
	}) {
		return nil
	}
	if list == nil {
		p.errorf(root.Line, "no rules")
		return nil
	}
	if isNull(list) || list.Kind == yaml.SequenceNode && len(list.Content) == 0 {
		p.errorf(list.Line, "no rules")
		return nil
	}
	if list.Kind == yaml.AliasNode {
		return nil
	}
	if list.Kind != yaml.SequenceNode {
		p.errorf(list.Line, "rules: must be a list of rules, not %s", describe(list))
		return nil
	}
	if len(list.Content) > maxRules {
		p.errorf(list.Content[maxRules].Line, "more than %d rules", maxRules)
	}
	s := &Set{rules: make([]Rule, 0, len(list.Content)), conds: make([]ruleCond, 0, len(list.Content))}
	names := make(map[string]int, len(list.Content))
	for _, n := range list.Content {
		r, rc := p.rule(n, names)
		s.rules = append(s.rules, r)
		s.conds = append(s.conds, rc)
	}
	return s
}

const ruleKeys = "name, match, keyword, regex, except, severity, tag, drop"

// rule decodes one rule; names maps the names seen so far to their lines.
func (p *parser) rule(n *yaml.Node, names map[string]int) (Rule, ruleCond) {
	r := Rule{Line: n.Line, Severity: -1}
	var rc ruleCond
	// Whether a condition or an action was given at all, valid or not: an invalid one is reported on its own line
	// and should not also make the rule look empty.
	var hasCond, hasAction, hasSeverity, hasTag bool
	dropLine := 0
	if !p.mapping(n, "rule", func(key string, k, v *yaml.Node) {
		if p.condKey(&rc.when, key, k, v) {
			hasCond = true
			return
		}
		switch key {
		case "name":
			r.Name = p.name(v, names)
		case "except":
			rc.except = p.except(v)
		case "severity":
			hasAction, hasSeverity = true, true
			r.Severity = p.severity(v)
		case "tag":
			hasAction, hasTag = true, true
			r.Tag = p.tag(v)
		case "drop":
			if b, ok := p.bool(v, "drop"); ok && b {
				hasAction, r.Drop, dropLine = true, true, k.Line
			} else if !ok {
				hasAction = true
			}
		default:
			p.errorf(k.Line, "unknown key %q in a rule (want %s)", key, ruleKeys)
		}
	}) {
		return r, rc
	}
	what := "rule"
	if r.Name != "" {
		what = fmt.Sprintf("rule %q", r.Name)
	}
	if !hasName(n) {
		p.errorf(n.Line, "rule without a name")
	}
	if !hasCond {
		p.errorf(n.Line, "%s has no condition (match, keyword or regex)", what)
	}
	if !hasAction {
		p.errorf(n.Line, "%s has no action (severity, tag or drop: true)", what)
	}
	if r.Drop && (hasSeverity || hasTag) {
		p.errorf(dropLine, "%s: drop: true together with severity or tag: a dropped record is not sent", what)
	}
	return r, rc
}

func hasName(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == "name" {
			return true
		}
	}
	return false
}

// name validates a rule's name: it becomes a metric label, so it is short and of safe characters.
func (p *parser) name(v *yaml.Node, names map[string]int) string {
	name, ok := p.text(v, "name")
	if !ok {
		return ""
	}
	if !validName(name) {
		p.errorf(v.Line, "name %q: must be 1 to 64 letters, digits, '_', '.' or '-'", name)
		return name
	}
	if line, dup := names[name]; dup {
		p.errorf(v.Line, "name %q: already used by the rule at line %d", name, line)
		return name
	}
	names[name] = v.Line
	return name
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// condKey decodes key if it is a condition (match, keyword, regex) into c, and reports whether it was one.
func (p *parser) condKey(c *cond, key string, k, v *yaml.Node) bool {
	switch key {
	case "match":
		c.match = p.match(v)
	case "keyword":
		c.keywords = p.keywords(v)
	case "regex":
		c.regex = p.regex(v)
	default:
		return false
	}
	return true
}

// except decodes the exclusions: a list of condition sets.
func (p *parser) except(v *yaml.Node) []cond {
	if v.Kind == yaml.AliasNode {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(v.Line, "except: must be a list of condition sets (- match/keyword/regex), not %s", describe(v))
		return nil
	}
	if len(v.Content) == 0 {
		p.errorf(v.Line, "except: empty list")
		return nil
	}
	sets := make([]cond, 0, len(v.Content))
	for _, n := range v.Content {
		var c cond
		has := false
		if p.mapping(n, "except", func(key string, k, v *yaml.Node) {
			if p.condKey(&c, key, k, v) {
				has = true
				return
			}
			p.errorf(k.Line, "unknown key %q in an exclusion (want match, keyword or regex)", key)
		}) && !has {
			p.errorf(n.Line, "exclusion without a condition (match, keyword or regex)")
		}
		sets = append(sets, c)
	}
	return sets
}

func (p *parser) match(v *yaml.Node) []fieldMatch {
	var ms []fieldMatch
	if p.mapping(v, "match", func(key string, k, v *yaml.Node) {
		f, okField := p.field(key, k.Line, false)
		vals, ok := p.stringList(v, "match: "+strconv.Quote(key))
		if !ok || !okField {
			return
		}
		m := fieldMatch{field: f}
		for _, val := range vals {
			if val.text == "*" && len(vals) > 1 {
				p.errorf(val.line, "match: %q: \"*\" (any non-empty value) must be the only value", key)
				return
			}
			m.nonEmpty = val.text == "*"
			m.orAbsent = m.orAbsent || val.text == ""
			m.values = append(m.values, val.text)
		}
		if len(m.values) > maxScanValues {
			m.set = make(map[string]struct{}, len(m.values))
			for _, s := range m.values {
				m.set[s] = struct{}{}
			}
			m.values = nil
		}
		ms = append(ms, m)
	}) && len(v.Content) == 0 {
		p.errorf(v.Line, "match: no fields")
	}
	return ms
}

func (p *parser) keywords(v *yaml.Node) []string {
	vals, ok := p.stringList(v, "keyword")
	if !ok {
		return nil
	}
	kws := make([]string, 0, len(vals))
	for _, val := range vals {
		if val.text == "" {
			// An empty keyword is in every value: the condition would always hold.
			p.errorf(val.line, "keyword: empty")
			continue
		}
		kws = append(kws, val.text)
	}
	return kws
}

func (p *parser) regex(v *yaml.Node) []fieldRegex {
	var rs []fieldRegex
	if p.mapping(v, "regex", func(key string, k, v *yaml.Node) {
		f, okField := p.field(key, k.Line, true)
		expr, ok := p.text(v, "regex: "+strconv.Quote(key))
		if !ok || !okField {
			return
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			p.errorf(v.Line, "regex: %q: %s", key, regexpError(err))
			return
		}
		rs = append(rs, fieldRegex{field: f, re: re})
	}) && len(v.Content) == 0 {
		p.errorf(v.Line, "regex: no fields")
	}
	return rs
}

// regexpError is regexp's message, with the expression quoted when it would break the message's line.
func regexpError(err error) string {
	var se *syntax.Error
	if msg := err.Error(); !strings.ContainsAny(msg, "\n\r") || !errors.As(err, &se) {
		return msg
	}
	return fmt.Sprintf("error parsing regexp: %s: %q", se.Code, se.Expr)
}

// field validates a field name and resolves how Match finds it; all allows "*", every field value.
func (p *parser) field(name string, line int, all bool) (field, bool) {
	switch {
	case name == "":
		p.errorf(line, "empty field name")
	case name == "*" && all:
		return field{name: name, all: true}, true
	case name == "*":
		p.errorf(line, "field name \"*\" (every field) is only allowed in regex")
	case name == record.KeyTagPrefix:
		p.errorf(line, "field name %q: the tag's key is missing", name)
	case name == "__time__":
		// Lookup does not know it: a condition on it would silently never hold.
		p.errorf(line, "field name \"__time__\": the record's time is not a field rules can test")
	default:
		group := name == record.KeyTopic || name == record.KeySource || strings.HasPrefix(name, record.KeyTagPrefix)
		return field{name: name, group: group}, true
	}
	return field{}, false
}

func (p *parser) severity(v *yaml.Node) int {
	s, ok := p.text(v, "severity")
	if !ok {
		return -1
	}
	n, err := header.ParseSeverity(s)
	if err != nil {
		p.errorf(v.Line, "severity %q: %v", s, err)
		return -1
	}
	return n
}

func (p *parser) tag(v *yaml.Node) []record.Field {
	var fs []record.Field
	if p.mapping(v, "tag", func(key string, k, v *yaml.Node) {
		val, ok := p.text(v, "tag: "+strconv.Quote(key))
		if key == "" {
			p.errorf(k.Line, "tag: empty field name")
			return
		}
		if ok {
			fs = append(fs, record.Field{Key: key, Value: val})
		}
	}) && len(v.Content) == 0 {
		p.errorf(v.Line, "tag: no fields")
	}
	return fs
}

func (p *parser) bool(v *yaml.Node, what string) (bool, bool) {
	if v.Kind == yaml.AliasNode {
		return false, false
	}
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		if b, err := strconv.ParseBool(v.Value); err == nil {
			return b, true
		}
	}
	p.errorf(v.Line, "%s: must be true or false, not %s", what, describe(v))
	return false, false
}

// mapping calls each for every key of mapping n in order, after checking that the key is a string given once. It
// reports false when n is not a mapping.
func (p *parser) mapping(n *yaml.Node, what string, each func(key string, k, v *yaml.Node)) bool {
	if n.Kind == yaml.AliasNode {
		return false
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "%s: must be a mapping, not %s", what, describe(n))
		return false
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key, ok := p.text(k, what+": key")
		if !ok {
			continue
		}
		if line, dup := seen[key]; dup {
			p.errorf(k.Line, "%s: key %q given twice (first at line %d)", what, key, line)
			continue
		}
		seen[key] = k.Line
		each(key, k, v)
	}
	return true
}

// text returns the text of a scalar as written: strings, and numbers and booleans too, since record values are text
// and "403" or "true" in a log are meant literally (no YAML conversion such as 0x10 to 16 happens).
func (p *parser) text(n *yaml.Node, what string) (string, bool) {
	if n.Kind == yaml.AliasNode {
		return "", false
	}
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!int", "!!float", "!!bool":
			return n.Value, true
		}
	}
	p.errorf(n.Line, "%s: must be a string, not %s", what, describe(n))
	return "", false
}

// value is a string with the line it was written on, for errors about one element of a list.
type value struct {
	text string
	line int
}

// stringList decodes a string or a non-empty list of strings.
func (p *parser) stringList(n *yaml.Node, what string) ([]value, bool) {
	switch n.Kind {
	case yaml.AliasNode:
		return nil, false
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			p.errorf(n.Line, "%s: empty list", what)
			return nil, false
		}
		vals := make([]value, 0, len(n.Content))
		ok := true
		for _, c := range n.Content {
			s, good := p.text(c, what)
			ok = ok && good
			vals = append(vals, value{s, c.Line})
		}
		return vals, ok
	case yaml.ScalarNode:
		s, ok := p.text(n, what)
		return []value{{s, n.Line}}, ok
	}
	p.errorf(n.Line, "%s: must be a string or a list of strings, not %s", what, describe(n))
	return nil, false
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe names what a node is, for "must be X, not Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch t := n.ShortTag(); t {
	case "!!null":
		return "null"
	case "!!merge":
		return "a merge key (<<)"
	case "!!str", "!!int", "!!float", "!!bool":
		return strconv.Quote(n.Value)
	default:
		// A tag can hold any character (%0A decodes to a line break): quoted, so that a message stays on one line.
		return "the tag " + strconv.QuoteToASCII(t) + " " + strconv.Quote(n.Value)
	}
}
