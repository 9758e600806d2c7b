package config

import (
	"fmt"
	"slices"
	"strings"
)

// presets are the mappings made for one kind of log: for each, the values it gives to variables the user did not
// set, per SIEMSHIP_FORMAT ("" applies to every format). docs/siem/actiontrail.md shows the resulting messages.
var presets = map[string]map[PayloadFormat]map[string]string{
	// Alibaba Cloud ActionTrail audit events (topic actiontrail_audit_event), after the mapping table of the
	// reference (siem-formats.md §7): a failed call (errorCode present) is a warning; CEF and LEEF get their
	// dictionary keys. The renames leave eventTime (sent as a custom key; rt and devTime carry __time__),
	// serviceName and the other fields under their own keys.
	"actiontrail": {
		"": {
			"SYSLOG_SEVERITY_FIELD": "errorCode",
			"SYSLOG_SEVERITY_MAP":   "*=warning",
		},
		"cef": {
			"CEF_PRODUCT":     "ActionTrail",
			"CEF_EVENT_CLASS": "${serviceName}:${eventName}",
			"CEF_NAME":        "${eventName:-ActionTrail event}",
			"SIEMSHIP_RENAME_FIELDS": "eventName=act,eventType=cat,sourceIpAddress=src|c6a2," +
				"userIdentity.userName=suser,userIdentity.principalId=suid,userIdentity.accountId=cs1," +
				"userIdentity.type=cs2,errorCode=reason,errorMessage=msg,eventId=externalId," +
				"userAgent=requestClientApplication,requestId=cs3,acsRegion=cs4,eventRW=cs5,eventSource=dhost",
			"SIEMSHIP_ADD_FIELDS": "outcome=${errorCode:+failure:-success}," +
				"cs1Label=${userIdentity.accountId:+accountId},cs2Label=${userIdentity.type:+userIdentityType}," +
				"cs3Label=${requestId:+requestId},cs4Label=${acsRegion:+acsRegion},cs5Label=${eventRW:+eventRW}",
		},
		"leef": {
			"LEEF_PRODUCT":  "ActionTrail",
			"LEEF_EVENT_ID": "${eventName:-ActionTrail event}",
			"SIEMSHIP_RENAME_FIELDS": "eventType=cat,sourceIpAddress=src,userIdentity.userName=usrName," +
				"userIdentity.accountId=accountName,userIdentity.type=role,acsRegion=realm",
		},
	},
}

func isPreset(name string) bool { _, ok := presets[strings.ToLower(name)]; return ok }

func presetNames() string {
	var names []string
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// PresetValues returns the values preset name gives for format, every format's first; nil for an unknown name.
func PresetValues(name string, format PayloadFormat) map[string]string {
	p, ok := presets[strings.ToLower(name)]
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, f := range []PayloadFormat{"", format} {
		for k, v := range p[f] {
			out[k] = v
		}
	}
	return out
}

// presetLinks are variables whose preset values only make sense together: when the user sets one of them, the
// preset gives none of them (a severity map written for errorCode must not map the user's own severity field;
// CEF labels added for renamed fields must not follow other renames).
var presetLinks = [][]string{
	{"SYSLOG_SEVERITY_FIELD", "SYSLOG_SEVERITY_MAP"},
	{"SIEMSHIP_RENAME_FIELDS", "SIEMSHIP_ADD_FIELDS"},
}

// applyPreset gives the variables the user left unset the values of SIEMSHIP_PRESET (an unknown preset is
// Validate's to report), linked variables only when the user set none of them. A value the preset gives is
// shown as coming from it.
func (d *decoded) applyPreset() {
	values := PresetValues(d.c.Mapping.Preset, d.c.Output.Format)
	for _, link := range presetLinks {
		if slices.ContainsFunc(link, func(n string) bool { return d.fromEnv[n] }) {
			for _, n := range link {
				delete(values, n)
			}
		}
	}
	for _, f := range d.fs {
		v, ok := values[f.name]
		if !ok || d.fromEnv[f.name] {
			continue
		}
		if err := f.decode(v); err != nil {
			panic(fmt.Sprintf("config: preset value of %s does not decode: %v", f.name, err))
		}
		d.source[f.name] = "SIEMSHIP_PRESET"
	}
}
