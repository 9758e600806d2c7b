package config

import (
	"errors"
	"fmt"

	"github.com/siemship/siemship/internal/encoder/cef"
	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/leef"
	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/rules"
)

// constant returns v, or stand when v is a template: the mapping then sets the field of every record, and the
// encoder gets a valid value it never sends.
func constant(v, stand string) string {
	if mapping.IsTemplate(v) {
		return stand
	}
	return v
}

// checkText checks a header setting that may be a template (mapping.IsTemplate): a template with the mapping's
// parser, since its values are the record's and are sanitized per record; a constant with the component's
// validator.
func (v *validator) checkText(ptr *string, validate func(string) error) bool {
	if mapping.IsTemplate(*ptr) {
		_, err := mapping.ParseTemplate(*ptr)
		return v.check(ptr, err)
	}
	return v.check(ptr, validate(*ptr))
}

// mapping checks the settings of the Mapping group with the mapping's and the rules' parsers.
func (v *validator) mapping() {
	m := &v.c.Mapping
	if m.Preset != "" && !isPreset(m.Preset) {
		v.bad(&m.Preset, "must be "+presetNames()+", or empty for none")
	}
	if sm, err := mapping.ParseSeverityMap(m.SeverityMap); v.check(&m.SeverityMap, err) {
		if err := mapping.CheckSeverityField(m.SeverityField, sm); err != nil {
			v.bad(&m.SeverityMap, fmt.Sprintf("%v: set %s", err, v.c.name(&m.SeverityField)))
		}
	}
	_, err := mapping.ParseRenames(m.RenameFields)
	v.check(&m.RenameFields, err)
	_, err = mapping.ParseFieldList(m.KeepFields)
	v.check(&m.KeepFields, err)
	_, err = mapping.ParseFieldList(m.DropFields)
	v.check(&m.DropFields, err)
	_, err = mapping.ParseAdds(m.AddFields)
	v.check(&m.AddFields, err)
	if m.RulesFile != "" {
		_, err := rules.Load(m.RulesFile)
		v.check(&m.RulesFile, err)
	}
}

// MappingOptions returns the options of the mapping stage: the Mapping group, the header settings that are
// templates, and the rules file, read and parsed (once more after Validate: the file may have changed).
func (c *Config) MappingOptions() (mapping.Options, error) {
	m, s, o := &c.Mapping, &c.Syslog, &c.Output
	var errs []error
	fail := func(ptr any, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name(ptr), err))
		}
	}
	opts := mapping.Options{SeverityField: m.SeverityField, Severity: int(s.Severity), FacilityField: m.FacilityField}
	var err error
	opts.SeverityMap, err = mapping.ParseSeverityMap(m.SeverityMap)
	fail(&m.SeverityMap, err)
	opts.Renames, err = mapping.ParseRenames(m.RenameFields)
	fail(&m.RenameFields, err)
	opts.Keep, err = mapping.ParseFieldList(m.KeepFields)
	fail(&m.KeepFields, err)
	opts.Drop, err = mapping.ParseFieldList(m.DropFields)
	fail(&m.DropFields, err)
	opts.Add, err = mapping.ParseAdds(m.AddFields)
	fail(&m.AddFields, err)
	if m.RulesFile != "" {
		opts.Rules, err = rules.Load(m.RulesFile)
		fail(&m.RulesFile, err)
	}
	tpl := func(ptr *string) *mapping.Template {
		if !mapping.IsTemplate(*ptr) {
			return nil
		}
		t, err := mapping.ParseTemplate(*ptr)
		fail(ptr, err)
		return t
	}
	if c.IsHEC() { // HEC events have a host, and no other header field
		opts.Hostname = tpl(&c.HECHost)
		return opts, errors.Join(errs...)
	}
	opts.Hostname, opts.AppName, opts.MsgID = tpl(&s.Hostname), tpl(&s.AppName), tpl(&s.MsgID)
	switch PayloadFormat(o.Format) {
	case "cef":
		opts.Vendor, opts.Product, opts.Version = tpl(&o.CEFVendor), tpl(&o.CEFProduct), tpl(&o.CEFVersion)
		opts.Class, opts.Name = tpl(&o.CEFEventClass), tpl(&o.CEFName)
	case "leef":
		opts.Vendor, opts.Product, opts.Version = tpl(&o.LEEFVendor), tpl(&o.LEEFProduct), tpl(&o.LEEFProductVersion)
		opts.Class = tpl(&o.LEEFEventID)
	}
	return opts, errors.Join(errs...)
}

// CEFOptions returns the CEF settings as the encoder takes them: a template's field gets the default, as the
// mapping sets it per record.
func (c *Config) CEFOptions(ho header.Options) cef.Options {
	o := &c.Output
	return cef.Options{Header: ho, Vendor: constant(o.CEFVendor, ""), Product: constant(o.CEFProduct, ""),
		Version: constant(o.CEFVersion, ""), EventClass: constant(o.CEFEventClass, ""), Name: constant(o.CEFName, ""),
		Severity: o.CEFSeverity}
}

// LEEFOptions returns the LEEF settings as the encoder takes them (see CEFOptions).
func (c *Config) LEEFOptions(ho header.Options) (leef.Options, error) {
	o := &c.Output
	ver, err := leef.ParseVersion(o.LEEFVersion)
	if err != nil {
		return leef.Options{}, fmt.Errorf("%s: %w", c.name(&o.LEEFVersion), err)
	}
	return leef.Options{Header: ho, Version: ver, Delimiter: o.LEEFDelimiter, Vendor: constant(o.LEEFVendor, ""),
		Product: constant(o.LEEFProduct, ""), ProductVersion: constant(o.LEEFProductVersion, ""),
		EventID: constant(o.LEEFEventID, "")}, nil
}
