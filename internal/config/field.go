package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
	"go.uber.org/zap/zapcore"
)

// field is one variable: a leaf of Config with its tags. Nested structs without a decoder are walked into, the
// way envconfig does for embedded structs.
type field struct {
	name       string // envconfig tag: the variable
	group      string // group tag of the embedded struct holding it
	def        string // default tag
	defaultDoc string // defaultdoc tag
	desc       string
	required   bool
	alias      string // alias tag
	file       string // file tag: companion *_FILE variable
	sample     bool
	value      reflect.Value // addressable field inside the walked Config
}

// secret reports whether the field holds a Secret.
func (f field) secret() bool { return f.value.Type() == reflect.TypeFor[Secret]() }

// fields walks c in declaration order. It panics on a leaf without an envconfig tag: that is a programming error
// that the package's tests catch.
func fields(c *Config) []field {
	var out []field
	walk(reflect.ValueOf(c).Elem(), "", &out)
	return out
}

func walk(v reflect.Value, group string, out *[]field) {
	t := v.Type()
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		if !sf.IsExported() || sf.Tag.Get("ignored") == "true" {
			continue
		}
		if fv.Kind() == reflect.Struct && !decodable(fv) {
			g := group
			if tg := sf.Tag.Get("group"); tg != "" {
				g = tg
			}
			walk(fv, g, out)
			continue
		}
		name := sf.Tag.Get("envconfig")
		if name == "" || name != strings.ToUpper(name) {
			panic(fmt.Sprintf("config: field %s needs an explicit upper-case envconfig tag", sf.Name))
		}
		*out = append(*out, field{
			name:       name,
			group:      group,
			def:        sf.Tag.Get("default"),
			defaultDoc: sf.Tag.Get("defaultdoc"),
			desc:       sf.Tag.Get("desc"),
			required:   sf.Tag.Get("required") == "true",
			alias:      sf.Tag.Get("alias"),
			file:       sf.Tag.Get("file"),
			sample:     sf.Tag.Get("sample") == "true",
			value:      fv,
		})
	}
}

// decodable reports whether v decodes itself from a string (then it is a leaf, as for envconfig).
func decodable(v reflect.Value) bool {
	p := v.Addr().Interface()
	switch p.(type) {
	case envconfig.Decoder, envconfig.Setter:
		return true
	}
	return false
}

var durationType = reflect.TypeFor[time.Duration]()

// decode sets the field from s. Errors are messages for the user, without the value (the caller adds it).
func (f field) decode(s string) error {
	p := f.value.Addr().Interface()
	switch d := p.(type) {
	case *zapcore.Level:
		var l zapcore.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			return errLogLevel
		}
		*d = l
		return nil
	case envconfig.Decoder:
		return d.Decode(s)
	}
	switch {
	case f.value.Type() == durationType:
		dur, err := time.ParseDuration(s)
		if err != nil {
			if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
				return fmt.Errorf("needs a unit, such as %ss or %sms", s, s)
			}
			return fmt.Errorf("must be a duration such as 500ms, 20s or 1m30s")
		}
		f.value.SetInt(int64(dur))
	case f.value.Kind() == reflect.String:
		f.value.SetString(s)
	case f.value.Kind() == reflect.Int:
		n, err := strconv.ParseInt(s, 10, 0)
		if err != nil {
			return fmt.Errorf("must be a whole number")
		}
		f.value.SetInt(n)
	case f.value.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		f.value.SetBool(b)
	default:
		panic("config: no decoder for " + f.name + " of type " + f.value.Type().String())
	}
	return nil
}

// display is the field's current value for messages, logs and the start-up line; secrets are redacted.
func (f field) display() string {
	switch v := f.value.Interface().(type) {
	case time.Duration:
		return v.String()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(f.value.Interface())
}

// isZero reports whether the field holds its type's zero value.
func (f field) isZero() bool { return f.value.IsZero() }
