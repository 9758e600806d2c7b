package cef

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
)

// Defaults of the CEF header fields.
const (
	// DefaultVendor and DefaultProduct name the device type: the events come from Alibaba Cloud's Simple Log
	// Service (SLS); siemship only forwards them.
	DefaultVendor  = "Alibaba Cloud"
	DefaultProduct = "SLS"
	// DefaultVersion is the version of siemship's CEF layout (the extension keys and transforms of the package
	// doc), not siemship's release: it changes only when a parser written for the layout would have to change.
	DefaultVersion = "1"
	// DefaultEventClass and DefaultName are the Device Event Class ID and Name of a log whose log group has no
	// topic, when EventClass and Name are "" (which means: the log group's topic).
	DefaultEventClass = "sls"
	DefaultName       = "SLS log"
)

// Header field limits in characters (Unicode code points), from the CEF standard's Header Field Definitions.
const (
	MaxVendor     = 63
	MaxProduct    = 63
	MaxVersion    = 31
	MaxEventClass = 1023
	MaxName       = 512
)

// MaxSeverity is the highest CEF severity: 0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High.
const MaxSeverity = 10

// Options configure an Encoder.
type Options struct {
	// Header is the syslog header in front of every CEF message (RFC 5424 or RFC 3164), its framing and
	// MaxMessageBytes, which bounds the whole SYSLOG-MSG.
	Header header.Options

	// Vendor, Product and Version are the Device Vendor, Device Product and Device Version of every message; ""
	// means DefaultVendor, DefaultProduct, DefaultVersion. They must be valid UTF-8 without control characters
	// (ValidateVendor, ...); a longer value than the standard allows (63, 63, 31 characters) is cut, and
	// Adjustments says so.
	Vendor, Product, Version string

	// EventClass is the Device Event Class ID of every message; "" means each log group's topic (DefaultEventClass
	// when the group has none). Name is the event Name likewise. Same rules as Vendor; limits 1023 and 512.
	EventClass, Name string

	// Severity is the CEF Severity of every message, 0 to 10 (ValidateSeverity). The zero value is 0 (Low).
	Severity int
}

// ValidateVendor checks the Device Vendor setting; ValidateProduct, ValidateVersion, ValidateEventClass and
// ValidateName check the others. A header field may hold anything but control characters (a line break could end
// the message) and invalid UTF-8 (CEF is UTF-8); '|' and '\' are escaped. "" stands for the default.
func ValidateVendor(s string) error { return validateText("vendor", s) }

// ValidateProduct checks the Device Product setting (see ValidateVendor).
func ValidateProduct(s string) error { return validateText("product", s) }

// ValidateVersion checks the Device Version setting (see ValidateVendor).
func ValidateVersion(s string) error { return validateText("version", s) }

// ValidateEventClass checks the Device Event Class ID setting (see ValidateVendor).
func ValidateEventClass(s string) error { return validateText("event class", s) }

// ValidateName checks the Name setting (see ValidateVendor).
func ValidateName(s string) error { return validateText("name", s) }

// ValidateSeverity checks the Severity setting: an integer from 0 to 10.
func ValidateSeverity(n int) error {
	if n < 0 || n > MaxSeverity {
		return fmt.Errorf("cef severity %d out of range 0..%d", n, MaxSeverity)
	}
	return nil
}

func validateText(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("cef %s %q is not valid UTF-8", field, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("cef %s %q contains a control character (%U)", field, s, r)
		}
	}
	return nil
}

// validate checks every setting but the header's and reports every problem at once.
func (o Options) validate() error {
	return errors.Join(ValidateVendor(o.Vendor), ValidateProduct(o.Product), ValidateVersion(o.Version),
		ValidateEventClass(o.EventClass), ValidateName(o.Name), ValidateSeverity(o.Severity))
}

// withDefaults returns o with "" replaced by the defaults (EventClass and Name stay "": per log group).
func (o Options) withDefaults() Options {
	if o.Vendor == "" {
		o.Vendor = DefaultVendor
	}
	if o.Product == "" {
		o.Product = DefaultProduct
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	return o
}
