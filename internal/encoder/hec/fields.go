package hecenc

import (
	"errors"
	"fmt"
	"strings"

	jsonenc "github.com/siemship/siemship/internal/encoder/json"
	"github.com/siemship/siemship/internal/record"
)

// Field is one indexed field of HEC's "fields" member: Name in Splunk, taken from the record field From (a content
// key, __topic__, __source__ or __tag__:key).
type Field struct{ Name, From string }

// maxFieldValue bounds an indexed field's value: Splunk indexes it as a term of the event, where a long one only
// costs index space; the whole value stays in the event.
const maxFieldValue = 1024

// ParseFields reads HEC_FIELDS: comma-separated entries, each a record field (its name is the indexed field's) or
// name=field. A name starts with a letter and holds letters, digits and '_', as Splunk's field names do; a name
// given twice is refused.
func ParseFields(s string) ([]Field, error) {
	var out []Field
	seen := map[string]bool{}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, from, renamed := strings.Cut(entry, "=")
		name, from = strings.TrimSpace(name), strings.TrimSpace(from)
		if !renamed {
			from = name
		}
		if from == "" {
			return nil, fmt.Errorf("%q: no record field after '='", entry)
		}
		if err := validName(name); err != nil {
			hint := ""
			if !renamed {
				hint = fmt.Sprintf(" (give it a name: myname=%s)", name)
			}
			return nil, fmt.Errorf("%q: %w%s", name, err, hint)
		}
		if seen[name] {
			return nil, fmt.Errorf("%q given twice", name)
		}
		seen[name] = true
		out = append(out, Field{Name: name, From: from})
	}
	return out, nil
}

func validName(s string) error {
	if len(s) == 0 || len(s) > 128 {
		return errors.New("an indexed field name has 1 to 128 characters")
	}
	for i, c := range []byte(s) {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c != '_' && (c < '0' || c > '9')) {
			return errors.New("an indexed field name starts with a letter and holds only letters, digits and '_'")
		}
	}
	return nil
}

// appendFields appends `"fields":{…},` with the fields log l has, not empty; nothing when it has none of them. It reports
// whether a value was cut or sanitized.
func appendFields(dst []byte, fields []fieldKey, g *record.Group, l *record.Log) (out []byte, cut, sanitized bool) {
	n := 0
	for _, f := range fields {
		v, ok := g.Lookup(l, f.from)
		if !ok || v == "" { // Splunk's searches treat an empty indexed field as absent
			continue
		}
		if n == 0 {
			dst = append(dst, `"fields":{`...)
		} else {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, f.quoted...)
		var c, s bool
		dst, c, s = jsonenc.AppendString(dst, v, maxFieldValue)
		cut, sanitized = cut || c, sanitized || s
	}
	if n > 0 {
		dst = append(dst, "},"...)
	}
	return dst, cut, sanitized
}

// fieldKey is a Field with its name written as `"name":`.
type fieldKey struct {
	quoted string
	from   string
}
