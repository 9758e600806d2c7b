// Package encoder names the output formats. Each format is a subpackage (kv, cef, leef, json) that writes its
// payload behind the syslog header of package header; package output builds the one SIEMSHIP_FORMAT names.
package encoder

import (
	"fmt"
	"slices"
	"strings"
)

// Format is the payload format of every message.
type Format string

// Formats.
const (
	KV   Format = "kv"   // ||key=value, Alibaba's sample's payload (the default)
	CEF  Format = "cef"  // ArcSight Common Event Format
	LEEF Format = "leef" // IBM QRadar Log Event Extended Format
	JSON Format = "json" // one JSON object per record
)

// Formats lists the formats in the order documentation names them.
func Formats() []Format { return []Format{KV, CEF, LEEF, JSON} }

// ValidateFormat reports whether f names a format.
func ValidateFormat(f Format) error {
	if slices.Contains(Formats(), f) {
		return nil
	}
	names := make([]string, 0, 4)
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return fmt.Errorf("must be one of %s", strings.Join(names, ", "))
}
