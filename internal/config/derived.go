package config

import (
	"fmt"

	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/sink/syslog"
)

// EffectiveFraming returns the framing the syslog sink uses (syslog.ResolveFraming): SYSLOG_FRAMING when set, else
// octet for tls, lf for tcp, and none for udp and relp. (c.Syslog.Framing is the raw setting, empty when unset.)
func (c *Config) EffectiveFraming() Framing {
	f, err := syslog.ResolveFraming(syslog.Protocol(c.Syslog.Protocol), string(c.Syslog.Framing))
	if err != nil {
		return c.Syslog.Framing // Validate reports it
	}
	return Framing(f.String())
}

// EffectiveConfirm returns SYSLOG_CONFIRM, or the syslog sink's default (ack), for tcp and tls; "" for the other
// protocols, which take none (syslog.UsesConfirm).
func (c *Config) EffectiveConfirm() Confirm {
	p := syslog.Protocol(c.Syslog.Protocol)
	switch {
	case !syslog.UsesConfirm(p):
		return ""
	case c.Syslog.Confirm != "":
		return c.Syslog.Confirm
	default:
		return Confirm(syslog.DefaultConfirm(p))
	}
}

// EffectiveMaxMessageBytes returns SYSLOG_MAX_MESSAGE_BYTES, or the syslog sink's default for the protocol when it
// is 0 (syslog.DefaultMessageBytes): 65536, or 65507 (the largest IPv4 UDP payload) for udp.
func (c *Config) EffectiveMaxMessageBytes() int {
	if c.Syslog.MaxMessageBytes != 0 {
		return c.Syslog.MaxMessageBytes
	}
	return syslog.DefaultMessageBytes(syslog.Protocol(c.Syslog.Protocol))
}

// Warnings returns the settings that are valid but weaken delivery or security; log each at warn level at start-up.
func (c *Config) Warnings() []string {
	var w []string
	s := &c.Syslog
	if s.Protocol.IsTLS() && s.TLSInsecureSkipVerify {
		w = append(w, fmt.Sprintf("%s=true: the receiver's certificate is NOT verified; anyone on the network path can read and change the logs",
			c.name(&s.TLSInsecureSkipVerify)))
	}
	if s.Protocol == ProtocolUDP {
		w = append(w, fmt.Sprintf("%s=udp: delivery cannot be confirmed; checkpoints advance once datagrams are sent, and lost datagrams are lost for good",
			c.name(&s.Protocol)))
	}
	if c.SLS.AuthVersion != AuthV4 && c.SLS.Region != "" {
		w = append(w, fmt.Sprintf("%s is set but only used with %s=v4", c.name(&c.SLS.Region), c.name(&c.SLS.AuthVersion)))
	}
	if s.Protocol.IsTLS() {
		w = append(w, c.tlsFileWarnings()...)
	}
	w = append(w, c.hecWarnings()...)
	if s.Header == HeaderNone {
		m := &c.Mapping
		for _, f := range []*string{&m.SeverityField, &m.FacilityField, &s.Hostname, &s.AppName, &s.MsgID} {
			if *f != "" && (f == &m.SeverityField || f == &m.FacilityField || mapping.IsTemplate(*f)) {
				w = append(w, fmt.Sprintf("%s has no effect with %s=none: no syslog header carries it", c.name(f), c.name(&s.Header)))
			}
		}
	}
	return w
}
