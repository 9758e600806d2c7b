package mapping

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/siemship/siemship/internal/record"
)

// Template is a header field's value with references to the record's fields, in the shell's syntax:
//
//	${name}          the field's value, empty when absent
//	${name:-word}    the field's value, word when the field is absent or empty
//	${name:+word}    word when the field is present and not empty, else empty
//	${name:+word:-other}  word when the field is present and not empty, else other (siemship's, not the shell's)
//	$$               a dollar sign
//
// name is a field name as record.Group.Lookup takes it (a content key, __topic__, __source__, __tag__:key); word
// is literal text. A value without "${" is not a template: it is sent as it is, dollars included.
type Template struct {
	src   string
	parts []part
}

type part struct {
	lit  string // literal text, or the word of op
	alt  string // '+': the word for an absent or empty field
	name string // "" for a literal
	op   byte   // 0 (${name}), '-' or '+'
}

// IsTemplate reports whether s refers to record fields: whether it contains "${".
func IsTemplate(s string) bool { return strings.Contains(s, "${") }

// maxTemplate bounds a template's length; header fields are far shorter.
const maxTemplate = 4096

// ParseTemplate parses s; see Template. Errors say what is wrong and where.
func ParseTemplate(s string) (*Template, error) {
	if len(s) > maxTemplate {
		return nil, fmt.Errorf("template longer than %d bytes", maxTemplate)
	}
	t := &Template{src: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			lit.WriteByte(c)
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '$':
			lit.WriteByte('$')
			i++
		case i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return nil, fmt.Errorf("template %q: ${ at byte %d has no closing }", s, i)
			}
			p, err := parseRef(s[i+2 : i+2+end])
			if err != nil {
				return nil, fmt.Errorf("template %q: %w", s, err)
			}
			flush()
			t.parts = append(t.parts, p)
			i += 2 + end
		default:
			return nil, fmt.Errorf("template %q: a $ at byte %d must start ${name} or be written $$", s, i)
		}
	}
	flush()
	return t, nil
}

// parseRef parses what is between "${" and "}".
func parseRef(ref string) (part, error) {
	name, word, alt, op := ref, "", "", byte(0)
	minus, plus := strings.Index(ref, ":-"), strings.Index(ref, ":+")
	switch {
	case plus >= 0 && (minus < 0 || plus < minus):
		name, word, op = ref[:plus], ref[plus+2:], '+'
		if w, a, ok := strings.Cut(word, ":-"); ok {
			word, alt = w, a
		}
	case minus >= 0:
		name, word, op = ref[:minus], ref[minus+2:], '-'
	}
	if name == "" {
		return part{}, errors.New("${} needs a field name")
	}
	if strings.ContainsAny(name, "${") {
		return part{}, fmt.Errorf("field name %q: templates do not nest", name)
	}
	return part{name: name, lit: word, alt: alt, op: op}, nil
}

// String returns the template as written.
func (t *Template) String() string { return t.src }

// Names returns the field names the template refers to.
func (t *Template) Names() []string {
	var names []string
	for _, p := range t.parts {
		if p.name != "" {
			names = append(names, p.name)
		}
	}
	return names
}

// value returns the text of p for log l of group g.
func (p *part) value(g *record.Group, l *record.Log) string {
	if p.name == "" {
		return p.lit
	}
	v, _ := g.Lookup(l, p.name)
	switch p.op {
	case '-':
		if v == "" {
			return p.lit
		}
	case '+':
		if v == "" {
			return p.alt
		}
		return p.lit
	}
	return v
}

// Expand returns the template's text for log l of group g. A template of one part returns that part's text
// without copying it; others build a new string.
func (t *Template) Expand(g *record.Group, l *record.Log) string {
	var a arena
	return t.expand(g, l, &a)
}

// expand is Expand writing a template of several parts into a.
func (t *Template) expand(g *record.Group, l *record.Log, a *arena) string {
	switch len(t.parts) {
	case 0:
		return ""
	case 1:
		return t.parts[0].value(g, l)
	}
	var vs [8]string
	n := 0
	for i := range t.parts {
		v := t.parts[i].value(g, l)
		if i < len(vs) {
			vs[i] = v
		}
		n += len(v)
	}
	b := a.alloc(n)[:0]
	for i := range t.parts {
		if i < len(vs) {
			b = append(b, vs[i]...)
		} else {
			b = append(b, t.parts[i].value(g, l)...)
		}
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// arena hands out byte slices that do not move for the strings of one MapGroup call: chunks are only added, never
// grown, and reused from the first on by the next call (reset), when the strings of the last call are dead.
type arena struct {
	chunks [][]byte
	cur    int // chunk being filled
}

const chunkBytes = 16 << 10

func (a *arena) reset() {
	for i := range a.chunks {
		a.chunks[i] = a.chunks[i][:0]
	}
	a.cur = 0
}

// alloc returns n bytes of room that stay where they are until reset.
func (a *arena) alloc(n int) []byte {
	for ; a.cur < len(a.chunks); a.cur++ {
		c := a.chunks[a.cur]
		if cap(c)-len(c) >= n {
			a.chunks[a.cur] = c[:len(c)+n]
			return c[len(c) : len(c)+n : len(c)+n]
		}
	}
	c := make([]byte, n, max(n, chunkBytes))
	a.chunks = append(a.chunks, c)
	return c[:n:n]
}

func (a *arena) size() int64 {
	n := int64(0)
	for _, c := range a.chunks {
		n += int64(cap(c))
	}
	return n
}
