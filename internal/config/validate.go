package config

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/siemship/siemship/internal/encoder"
	"github.com/siemship/siemship/internal/encoder/cef"
	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/encoder/leef"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/sink/syslog"
)

// VarError is one configuration problem, naming the variable. Load and Validate join several of them with
// errors.Join; use errors.As or an Unwrap() []error loop to get them one by one.
type VarError struct {
	Name    string // the variable
	Value   string // its value; empty when unset. Never shown when Secret
	Secret  bool
	Default bool   // the value is the default, not set in the environment
	Msg     string // what is wrong or what is allowed
	Unknown bool   // Name is not a variable siemship knows
	Suggest string // for Unknown: the closest known name, if any
}

func (e *VarError) Error() string {
	if e.Unknown {
		s := "unknown variable " + e.Name
		if e.Suggest != "" {
			s += ", did you mean " + e.Suggest + "?"
		}
		if e.Msg != "" {
			s += " (" + e.Msg + ")"
		}
		return s
	}
	var b strings.Builder
	b.WriteString(e.Name)
	switch {
	case e.Value == "":
	case e.Secret:
		b.WriteString("=" + redacted)
	default:
		b.WriteString("=" + strconv.Quote(e.Value))
	}
	if e.Default {
		b.WriteString(" (default)")
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

func joinVarErrors(errs []*VarError) error {
	if len(errs) == 0 {
		return nil
	}
	es := make([]error, len(errs))
	for i, e := range errs {
		es[i] = e
	}
	return errors.Join(es...)
}

var errLogLevel = errors.New("must be one of debug, info, warn, error")

// Limits checked by Validate. The limits of the syslog settings are the components' own (header, kv, syslog).
const (
	maxLogGroups   = 1000
	minMemoryLimit = 64 << 20 // the runtime, HTTP and SDK state alone take about 20 MiB
)

// Validate checks the values and the rules between them and returns every problem at once (errors.Join of
// *VarError), or nil. With a TLS protocol it reads the TLS files (syslog.CheckTLSFiles). Load calls it; call it
// again after changing a Config in code.
func (c *Config) Validate() error { return joinVarErrors(c.validate(false)) }

// validate returns every problem; with slsOnly, only the variables of the SLS group are required.
func (c *Config) validate(slsOnly bool) []*VarError {
	v := validator{c: c, slsOnly: slsOnly}
	v.required()
	v.sls()
	v.syslog()
	v.output()
	v.hec()
	v.mapping()
	v.runtime()
	return v.errs
}

type validator struct {
	c       *Config
	errs    []*VarError
	slsOnly bool // only the SLS group's variables are required (LoadSLS)

	heartbeatTimeoutOK bool // rules comparing with the heartbeat timeout only make sense when it is valid
}

// bad records msg against the variable whose field is ptr and returns the error recorded.
func (v *validator) bad(ptr any, msg string) *VarError {
	f := v.c.field(ptr)
	e := &VarError{Name: f.name, Secret: f.secret(), Msg: msg}
	if !f.isZero() {
		e.Value = f.display()
		if f.secret() {
			e.Value = "set"
		}
	}
	v.errs = append(v.errs, e)
	return e
}

// check records err, a component's verdict on the value of the field at ptr, against its variable, and reports
// whether the value is fine (err is nil).
func (v *validator) check(ptr any, err error) bool {
	if err != nil {
		v.bad(ptr, err.Error())
	}
	return err == nil
}

// maxMessageBytes checks SYSLOG_MAX_MESSAGE_BYTES (or the protocol's default) with the components' rules: the
// sink bounds it from above per protocol, the header from below (480, or more for a long header; only known when
// the header is valid). The message names the whole range, from the bounds they export.
func (v *validator) maxMessageBytes(p syslog.Protocol, headerOK bool) {
	s := &v.c.Syslog
	n := v.c.EffectiveMaxMessageBytes()
	hdr := v.c.headerOptions(n)
	errHi, errLo := syslog.ValidateMaxMessageBytes(p, n), error(nil)
	if headerOK {
		errLo = header.CheckMaxMessageBytes(hdr)
	}
	if errHi == nil && errLo == nil {
		return
	}
	lo, hi := header.MinMaxMessageBytes, syslog.MessageBytesLimit(p)
	if headerOK {
		lo = header.LeastMaxMessageBytes(hdr)
	}
	orDefault := " (or 0 for the default)"
	if s.MaxMessageBytes == 0 {
		orDefault = "" // the default is what fails
	}
	var msg string
	switch head := header.Len(hdr); {
	case lo > hi:
		msg = fmt.Sprintf("cannot hold a message over %s (at most %d bytes): the header and structured data alone take %d bytes; shorten %s",
			p, hi, head, v.c.name(&s.StructuredData))
	case lo > header.MinMaxMessageBytes:
		msg = fmt.Sprintf("must be %d to %d for %s%s: the header and structured data take %d bytes and a message needs %d more",
			lo, hi, p, orDefault, head, lo-head)
	default:
		msg = fmt.Sprintf("must be %d to %d for %s%s", lo, hi, p, orDefault)
	}
	e := v.bad(&s.MaxMessageBytes, msg)
	if s.MaxMessageBytes == 0 {
		e.Value = strconv.Itoa(n) // the protocol's default
	}
}

// headerOptions returns the header options that decide the header's length, for the header's rules on the message
// size.
func (c *Config) headerOptions(maxMessageBytes int) header.Options {
	s := &c.Syslog
	f, _ := header.ParseFormat(string(s.Header)) // none and invalid values: RFC 5424's length, the longest
	return header.Options{Format: f, Facility: int(s.Facility), Severity: int(s.Severity),
		Hostname: constant(s.Hostname, "-"), AppName: constant(s.AppName, "-"), ProcID: s.ProcID,
		MsgID: constant(s.MsgID, "-"), StructuredData: s.StructuredData, MaxMessageBytes: maxMessageBytes}
}

// HeaderOptions returns the options of the syslog header the configuration describes, in the framing the sink
// asked for, and whether SYSLOG_HEADER is none; it fails as Validate does on SYSLOG_HEADER and
// SYSLOG_RFC3164_TIMEZONE.
func (c *Config) HeaderOptions(framing message.Framing) (o header.Options, none bool, err error) {
	o = c.headerOptions(c.EffectiveMaxMessageBytes())
	o.Framing = framing
	var errH, errL error
	o.Format, none, errH = c.headerFormat()
	if errH != nil {
		errH = fmt.Errorf("%s: %w", c.name(&c.Syslog.Header), errH)
	}
	if o.Format == header.RFC3164 {
		if o.Location, errL = c.location(); errL != nil {
			errL = fmt.Errorf("%s: %w", c.name(&c.Syslog.RFC3164Timezone), errL)
		}
	}
	return o, none, errors.Join(errH, errL)
}

// protocolsWhere names the protocols for which f holds: "tcp or tls".
func protocolsWhere(f func(syslog.Protocol) bool) string {
	var names []string
	for _, p := range syslog.Protocols() {
		if f(p) {
			names = append(names, string(p))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// name returns the variable of the field at ptr.
func (c *Config) name(ptr any) string { return c.field(ptr).name }

// field finds the variable whose struct field is at ptr; it panics when ptr is not a field of c.
func (c *Config) field(ptr any) field {
	for _, f := range fields(c) {
		if f.value.Addr().Interface() == ptr {
			return f
		}
	}
	panic(fmt.Sprintf("config: %T is not a field of Config", ptr))
}

// slsGroup is the group of the SLS settings: the ones LoadSLS requires.
var slsGroup = func() string {
	f, _ := reflect.TypeFor[Config]().FieldByName("SLS")
	return f.Tag.Get("group")
}()

func (v *validator) required() {
	for _, f := range fields(v.c) {
		if f.required && f.isZero() && (!v.slsOnly || f.group == slsGroup) && !(v.c.IsHEC() && f.group == syslogGroup) {
			msg := "required, not set"
			if f.file != "" {
				msg = "required, not set (set it or " + f.file + ")"
			}
			v.errs = append(v.errs, &VarError{Name: f.name, Msg: msg})
		}
	}
}

func (v *validator) sls() {
	s := &v.c.SLS
	if s.Endpoint != "" {
		if msg := checkEndpoint(s.Endpoint); msg != "" {
			v.bad(&s.Endpoint, msg)
		}
	}
	for _, p := range []*string{&s.AccessKeyID} {
		if *p != "" && hasSpaceOrControl(*p) {
			v.bad(p, "must not contain spaces or control characters (a stray newline or space?)")
		}
	}
	for _, p := range []*Secret{&s.AccessKeySecret, &s.SecurityToken} {
		if hasSpaceOrControl(p.Reveal()) {
			v.bad(p, "must not contain spaces or control characters (a stray newline or space?)")
		}
	}
	if s.Project != "" && !isDNSLabel(s.Project) {
		v.bad(&s.Project, "must be 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen (it is part of a host name)")
	}
	for _, p := range []*string{&s.Logstore, &s.ConsumerGroup, &s.ConsumerName} {
		if *p != "" && (hasSpaceOrControl(*p) || strings.ContainsAny(*p, "/?#%")) {
			v.bad(p, "must not contain spaces, control characters or any of / ? # %")
		}
	}
	if s.ConsumerName == "" { // Load fills it from the host name; an empty one comes from code
		v.bad(&s.ConsumerName, "must not be empty")
	}
	switch s.CursorStart.Kind {
	case CursorBegin, CursorEnd:
	case CursorTime:
		if s.CursorStart.Unix < 0 || s.CursorStart.Unix > maxUnixSeconds {
			v.bad(&s.CursorStart, errCursor.Error())
		}
	default:
		v.bad(&s.CursorStart, errCursor.Error())
	}
	intervalOK := v.wholeUnits(&s.HeartbeatInterval, time.Second, time.Second)
	v.heartbeatTimeoutOK = v.wholeUnits(&s.HeartbeatTimeout, time.Second, time.Second)
	if intervalOK && v.heartbeatTimeoutOK && s.HeartbeatTimeout <= s.HeartbeatInterval {
		v.bad(&s.HeartbeatTimeout, fmt.Sprintf("must be greater than %s (%s)", v.c.name(&s.HeartbeatInterval), s.HeartbeatInterval))
		v.heartbeatTimeoutOK = false
	}
	v.wholeUnits(&s.FetchInterval, time.Millisecond, time.Millisecond)
	if s.MaxFetchLogGroups < 1 || s.MaxFetchLogGroups > maxLogGroups {
		v.bad(&s.MaxFetchLogGroups, fmt.Sprintf("must be 1 to %d", maxLogGroups))
	}
	if msg := oneOf(s.ExpiredCursor, expiredCurs); msg != "" {
		v.bad(&s.ExpiredCursor, msg)
	}
	if msg := oneOf(s.Compress, compressions); msg != "" {
		v.bad(&s.Compress, msg)
	}
	if msg := oneOf(s.AuthVersion, authVersions); msg != "" {
		v.bad(&s.AuthVersion, msg)
	}
	if s.AuthVersion == AuthV4 && s.Region == "" {
		v.bad(&s.Region, fmt.Sprintf("required with %s=%s", v.c.name(&s.AuthVersion), AuthV4))
	}
	if s.Region != "" && hasSpaceOrControl(s.Region) {
		v.bad(&s.Region, "must not contain spaces or control characters")
	}
}

// wholeUnits checks that *d is at least min and a whole number of unit; it reports whether *d is fine.
func (v *validator) wholeUnits(d *time.Duration, min, unit time.Duration) bool {
	switch {
	case *d < min:
		v.bad(d, "must be at least "+min.String())
	case *d%unit != 0:
		v.bad(d, "must be a whole number of "+map[time.Duration]string{time.Second: "seconds", time.Millisecond: "milliseconds"}[unit])
	default:
		return true
	}
	return false
}

// syslog checks the syslog destination. Most rules are the components': the sink's (syslog.Validate*) and the
// encoder's (header.Validate*, kv.ValidateSeparator), the very checks syslog.New, header.New and kv.NewEncoder
// apply at start-up, so that siemship check and siemship run agree on every value.
func (v *validator) syslog() {
	s := &v.c.Syslog
	p := syslog.Protocol(s.Protocol)
	if s.Host != "" {
		if addrs, errs := parseHosts(s.Host, 1); len(errs) > 0 {
			v.bad(&s.Host, strings.Join(errs, "; "))
		} else {
			v.check(&s.Host, syslog.ValidateDestinations(len(addrs)))
		}
	}
	if s.Port < 1 || s.Port > 65535 {
		v.bad(&s.Port, "must be 1 to 65535")
	}
	protoOK := v.check(&s.Protocol, syslog.ValidateProtocol(p))
	if v.check(&s.Framing, syslog.ValidateFraming(string(s.Framing))) && s.Framing != "" && protoOK && !syslog.UsesFraming(p) {
		v.bad(&s.Framing, fmt.Sprintf("not used with %s=%s; unset it", v.c.name(&s.Protocol), s.Protocol))
	}
	if v.check(&s.Confirm, syslog.ValidateConfirm(syslog.Confirm(s.Confirm))) && s.Confirm != "" && protoOK && !syslog.UsesConfirm(p) {
		v.bad(&s.Confirm, fmt.Sprintf("only used with %s=%s, not %s (relp confirms every message, udp cannot)",
			v.c.name(&s.Protocol), protocolsWhere(syslog.UsesConfirm), s.Protocol))
	}
	v.check(&s.Balance, syslog.ValidateBalance(syslog.Balance(s.Balance)))
	v.check(&s.RELPWindow, syslog.ValidateRELPWindow(s.RELPWindow))
	if protoOK && !syslog.UsesTLS(p) {
		notUsed := fmt.Sprintf("only used with %s=%s, not %s", v.c.name(&s.Protocol), protocolsWhere(syslog.UsesTLS), s.Protocol)
		for _, f := range []*string{&s.TLSCAFile, &s.TLSCertFile, &s.TLSKeyFile, &s.TLSServerName} {
			if *f != "" {
				v.bad(f, notUsed)
			}
		}
		if s.TLSInsecureSkipVerify {
			v.bad(&s.TLSInsecureSkipVerify, notUsed)
		}
	}
	if protoOK && syslog.UsesTLS(p) && !v.slsOnly { // LoadSLS's commands never connect to the receiver
		v.tlsFiles()
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		if s.TLSCertFile == "" {
			v.bad(&s.TLSCertFile, "required when "+v.c.name(&s.TLSKeyFile)+" is set")
		} else {
			v.bad(&s.TLSKeyFile, "required when "+v.c.name(&s.TLSCertFile)+" is set")
		}
	}
	v.check(&s.TLSServerName, syslog.ValidateServerName(s.TLSServerName))
	// The encoder's rules (header, kv): the very checks header.New and kv.NewEncoder apply at start-up.
	headerOK := v.check(&s.Facility, header.ValidateFacility(int(s.Facility)))
	headerOK = v.check(&s.Severity, header.ValidateSeverity(int(s.Severity))) && headerOK
	headerOK = v.checkText(&s.Hostname, header.ValidateHostname) && headerOK
	headerOK = v.checkText(&s.AppName, header.ValidateAppName) && headerOK
	headerOK = v.check(&s.ProcID, header.ValidateProcID(s.ProcID)) && headerOK
	headerOK = v.checkText(&s.MsgID, header.ValidateMsgID) && headerOK
	if err := header.ValidateStructuredData(s.StructuredData); err != nil {
		v.bad(&s.StructuredData, "must be RFC 5424 STRUCTURED-DATA such as [origin@32473 env=\"prod\"]: "+err.Error())
		headerOK = false
	}
	v.check(&s.Sep, kv.ValidateSeparator(s.Sep))
	if protoOK {
		v.maxMessageBytes(p, headerOK)
	}
	v.check(&s.Connections, syslog.ValidateConnections(s.Connections))
	for _, d := range []*time.Duration{&s.DialTimeout, &s.WriteTimeout} {
		if *d <= 0 {
			v.bad(d, "must be greater than 0")
		}
	}
}

func (v *validator) runtime() {
	r := &v.c.Runtime
	if r.LogLevel < zapcore.DebugLevel || r.LogLevel > zapcore.ErrorLevel {
		v.bad(&r.LogLevel, errLogLevel.Error())
	}
	if msg := oneOf(r.LogFormat, logFormats); msg != "" {
		v.bad(&r.LogFormat, msg)
	}
	hb := &v.c.SLS.HeartbeatTimeout
	switch {
	case r.ShutdownTimeout <= 0:
		v.bad(&r.ShutdownTimeout, "must be greater than 0")
	case r.ShutdownTimeout >= *hb && v.heartbeatTimeoutOK:
		v.bad(&r.ShutdownTimeout, fmt.Sprintf("must be less than %s (%s), or the group hands our shards to another consumer while we still work on them", v.c.name(hb), *hb))
	}
	switch {
	case r.RetryInitialBackoff <= 0:
		v.bad(&r.RetryInitialBackoff, "must be greater than 0")
	case r.RetryMaxBackoff < r.RetryInitialBackoff:
		v.bad(&r.RetryMaxBackoff, fmt.Sprintf("must be at least %s (%s)", v.c.name(&r.RetryInitialBackoff), r.RetryInitialBackoff))
	}
	if r.MemoryLimit < minMemoryLimit {
		v.bad(&r.MemoryLimit, fmt.Sprintf("must be at least %s: siemship itself needs about 20 MiB besides the batches it holds; give it 256MiB or more", ByteSize(minMemoryLimit)))
	}
	if r.HTTPAddr != "" {
		if msg := checkListenAddr(r.HTTPAddr); msg != "" {
			v.bad(&r.HTTPAddr, msg)
		}
	}
}

// checkListenAddr returns a message when s is not [host]:port with a numeric port (0 picks a free one).
func checkListenAddr(s string) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil || hasSpaceOrControl(host) || strings.ContainsAny(host, "/?#@[]") {
		return "must be host:port such as 127.0.0.1:9090, or :9090 for every interface"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
		return "the port must be a number from 0 to 65535 (0 picks a free one)"
	}
	return ""
}

// checkEndpoint returns a message when s is not host[:port] with an optional http:// or https:// prefix.
func checkEndpoint(s string) string {
	host := s
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if scheme != "http" && scheme != "https" {
			return "must be a host name such as cn-hangzhou.log.aliyuncs.com, optionally with http:// or https://"
		}
		host = rest
	}
	host = strings.TrimSuffix(host, "/")
	if host == "" || hasSpaceOrControl(host) || strings.ContainsAny(host, "/?#@") {
		return "must be a host name such as cn-hangzhou.log.aliyuncs.com, optionally with http:// or https://, without a path"
	}
	return ""
}

// isDNSLabel reports whether s is 1..63 of [a-z0-9-], not starting or ending with '-'.
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 {
			return true
		}
	}
	return false
}

// output checks the message format and the header's layout, with the encoders' and the header's rules.
func (v *validator) output() {
	o, s := &v.c.Output, &v.c.Syslog
	formatOK := v.check(&o.Format, encoder.ValidateFormat(encoder.Format(o.Format)))
	_, none, err := v.c.headerFormat()
	if v.check(&s.Header, err) && none && formatOK && encoder.Format(o.Format) != encoder.JSON {
		v.bad(&s.Header, fmt.Sprintf("none (no syslog header) is only for %s=json; use rfc5424 or rfc3164", v.c.name(&o.Format)))
	}
	v.checkText(&o.CEFVendor, cef.ValidateVendor)
	v.checkText(&o.CEFProduct, cef.ValidateProduct)
	v.checkText(&o.CEFVersion, cef.ValidateVersion)
	v.checkText(&o.CEFEventClass, cef.ValidateEventClass)
	v.checkText(&o.CEFName, cef.ValidateName)
	v.check(&o.CEFSeverity, cef.ValidateSeverity(o.CEFSeverity))
	if ver, err := leef.ParseVersion(o.LEEFVersion); v.check(&o.LEEFVersion, err) {
		_, err := leef.ParseDelimiter(ver, o.LEEFDelimiter)
		v.check(&o.LEEFDelimiter, err)
	}
	for _, f := range []struct {
		name string
		p    *string
	}{{"vendor", &o.LEEFVendor}, {"product", &o.LEEFProduct}, {"product version", &o.LEEFProductVersion}, {"event id", &o.LEEFEventID}} {
		v.checkText(f.p, func(s string) error { return leef.ValidateHeaderField(f.name, s) })
	}
	if s.RFC3164Timezone != "" && s.Header != HeaderFormat(header.RFC3164.String()) {
		v.bad(&s.RFC3164Timezone, fmt.Sprintf("only used with %s=rfc3164; unset it", v.c.name(&s.Header)))
	} else {
		_, err := v.c.location()
		v.check(&s.RFC3164Timezone, err)
	}
}

// headerFormat parses SYSLOG_HEADER: a header.Format, or none.
func (c *Config) headerFormat() (f header.Format, none bool, err error) {
	if c.Syslog.Header == HeaderNone {
		return header.RFC5424, true, nil
	}
	f, err = header.ParseFormat(string(c.Syslog.Header))
	if err != nil {
		return f, false, errors.New("must be one of rfc5424, rfc3164, none")
	}
	return f, false, nil
}

// location parses SYSLOG_RFC3164_TIMEZONE; nil (UTC) when it is not set.
func (c *Config) location() (*time.Location, error) {
	if c.Syslog.RFC3164Timezone == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(c.Syslog.RFC3164Timezone)
	if err != nil {
		return nil, errors.New("unknown time zone: use an IANA name such as Asia/Shanghai, or UTC")
	}
	return loc, nil
}
