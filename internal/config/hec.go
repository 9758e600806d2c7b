package config

import (
	"crypto/tls"
	"fmt"
	"reflect"
	"strings"

	"go.uber.org/zap"

	hecenc "github.com/siemship/siemship/internal/encoder/hec"
	"github.com/siemship/siemship/internal/sink"
	"github.com/siemship/siemship/internal/sink/hec"
	"github.com/siemship/siemship/internal/sink/syslog"
)

// Destinations of SIEMSHIP_OUTPUT.
const (
	DestinationSyslog = "syslog"
	DestinationHEC    = "hec"
)

// IsHEC reports whether messages go to Splunk's HTTP Event Collector.
func (c *Config) IsHEC() bool { return strings.EqualFold(c.Destination, DestinationHEC) }

// Payload names what a message carries: SIEMSHIP_FORMAT, or hec (HEC's event JSON, which does not use the format)
// with SIEMSHIP_OUTPUT=hec.
func (c *Config) Payload() string {
	if c.IsHEC() {
		return DestinationHEC
	}
	return string(c.Output.Format)
}

// syslogGroup is the group of the syslog destination's settings, which SIEMSHIP_OUTPUT=hec does not need.
var syslogGroup = func() string {
	f, _ := reflect.TypeFor[Config]().FieldByName("Syslog")
	return f.Tag.Get("group")
}()

// HECURLs returns the URLs of HEC_URL.
func (c *Config) HECURLs() []string {
	var out []string
	for _, u := range strings.Split(c.HECURL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// hec checks SIEMSHIP_OUTPUT and, with hec, the HEC_* settings with the hec sink's and encoder's rules.
func (v *validator) hec() {
	c, h := v.c, &v.c.HEC
	if !v.check(&c.Destination, sink.ValidateDestination(strings.ToLower(c.Destination))) {
		return
	}
	if !c.IsHEC() {
		return
	}
	if h.HECURL == "" {
		v.bad(&h.HECURL, "required with "+c.name(&c.Destination)+"=hec")
	}
	for _, u := range c.HECURLs() {
		v.check(&h.HECURL, hec.ValidateURL(u))
	}
	if h.HECToken.IsZero() {
		v.bad(&h.HECToken, "required with "+c.name(&c.Destination)+"=hec (set it or HEC_TOKEN_FILE)")
	}
	_, err := hec.ParseAck(h.HECAck)
	v.check(&h.HECAck, err)
	if h.HECAckTimeout <= 0 {
		v.bad(&h.HECAckTimeout, "must be positive")
	}
	if v.check(&h.HECMaxRequestBytes, hec.ValidateMaxRequestBytes(h.HECMaxRequestBytes)) {
		fields, err := hecenc.ParseFields(h.HECFields)
		if v.check(&h.HECFields, err) {
			v.check(&h.HECMaxRequestBytes, hecenc.CheckEventBytes(h.HECMaxRequestBytes, len(fields)))
		}
	}
	v.check(&h.HECMaxEvents, hec.ValidateMaxEvents(h.HECMaxEvents))
	for _, p := range []*string{&h.HECIndex, &h.HECSource, &h.HECSourcetype} {
		v.check(p, hecenc.ValidateField(*p))
	}
	v.checkText(&h.HECHost, hecenc.ValidateField)
	if _, err := c.hecTLS(); err != nil {
		v.bad(&h.HECTLSCAFile, err.Error())
	}
}

// hecTLS is the TLS configuration of https:// HEC URLs; nil means Go's defaults (system roots, host verified).
func (c *Config) hecTLS() (*tls.Config, error) {
	h := &c.HEC
	if h.HECTLSCAFile == "" && !h.HECTLSInsecureSkipVerify {
		return nil, nil
	}
	t, err := syslog.NewTLSConfig(syslog.TLSOptions{CAFile: h.HECTLSCAFile, InsecureSkipVerify: h.HECTLSInsecureSkipVerify}, "hec")
	if err != nil {
		return nil, err
	}
	t.ServerName = "" // each URL verifies its own host name
	return t, nil
}

// HECOptions returns the options of the hec sink.
func (c *Config) HECOptions(log *zap.Logger) (hec.Options, error) {
	h := &c.HEC
	t, err := c.hecTLS()
	if err != nil {
		return hec.Options{}, fmt.Errorf("%s: %w", c.name(&h.HECTLSCAFile), err)
	}
	ack, err := hec.ParseAck(h.HECAck)
	if err != nil {
		return hec.Options{}, fmt.Errorf("%s: %w", c.name(&h.HECAck), err)
	}
	return hec.Options{URLs: c.HECURLs(), Token: h.HECToken.Reveal(), Ack: ack, AckTimeout: h.HECAckTimeout,
		MaxRequestBytes: h.HECMaxRequestBytes, MaxEvents: h.HECMaxEvents, Gzip: h.HECGzip, TLS: t,
		DeadLetterFile: h.HECDeadLetterFile, Logger: log}, nil
}

// HECEncoderOptions returns the options of the hec format.
func (c *Config) HECEncoderOptions() (hecenc.Options, error) {
	h := &c.HEC
	fields, err := hecenc.ParseFields(h.HECFields)
	if err != nil {
		return hecenc.Options{}, fmt.Errorf("%s: %w", c.name(&h.HECFields), err)
	}
	return hecenc.Options{Host: constant(h.HECHost, ""), Source: h.HECSource, Sourcetype: h.HECSourcetype,
		Index: h.HECIndex, MaxEventBytes: max(h.HECMaxRequestBytes, hecenc.MinEventBytes), Fields: fields}, nil
}

// hecWarnings are the HEC settings that weaken security.
func (c *Config) hecWarnings() []string {
	if !c.IsHEC() {
		return nil
	}
	var w []string
	for _, u := range c.HECURLs() {
		if strings.HasPrefix(strings.ToLower(u), "http://") {
			w = append(w, fmt.Sprintf("%s %s is plain HTTP: the token and the logs cross the network unencrypted", c.name(&c.HECURL), u))
		}
	}
	if c.HECTLSInsecureSkipVerify {
		w = append(w, fmt.Sprintf("%s=true: the HEC server's certificate is NOT verified", c.name(&c.HECTLSInsecureSkipVerify)))
	}
	return w
}
