package config

import (
	"strconv"
	"strings"

	"go.uber.org/zap/zapcore"
)

// String renders every variable as NAME=value separated by spaces, in reference order, secrets redacted. Values
// are quoted when they are empty or contain spaces or quotes.
func (c *Config) String() string {
	var b strings.Builder
	for i, f := range fields(c) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.name)
		b.WriteByte('=')
		v := f.display()
		if v == "" || strings.ContainsAny(v, " \t\r\n\"\\") || !strconv.CanBackquote(v) {
			v = strconv.Quote(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// GoString makes %#v show the same redacted rendering as String.
func (c *Config) GoString() string { return "&config.Config{" + c.String() + "}" }

// MarshalLogObject implements zapcore.ObjectMarshaler for a start-up line: zap.Object("config", cfg). Keys are
// the variable names, values strings as in String, secrets redacted.
func (c *Config) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range fields(c) {
		enc.AddString(f.name, f.display())
	}
	return nil
}
