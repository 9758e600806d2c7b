package syslog

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
)

func TestResolveFraming(t *testing.T) {
	for _, tt := range []struct {
		p       Protocol
		setting string
		want    message.Framing
		wantErr string
	}{
		{ProtocolTCP, "", message.FramingLF, ""},
		{ProtocolTLS, "", message.FramingOctet, ""},
		{ProtocolUDP, "", message.FramingNone, ""},
		{ProtocolRELP, "", message.FramingNone, ""},
		{ProtocolRELPTLS, "", message.FramingNone, ""},
		{ProtocolTCP, "octet", message.FramingOctet, ""},
		{ProtocolTLS, "lf", message.FramingLF, ""},
		{ProtocolTCP, "LF", message.FramingLF, ""},
		{ProtocolTCP, "newline", 0, `framing "newline": must be one of octet, lf`},
		{ProtocolTCP, "octet-counting", 0, "must be one of octet, lf"},
		{ProtocolTCP, "none", 0, "must be one of octet, lf"},
		{ProtocolUDP, "lf", 0, `framing "lf" is not used with udp`},
		{ProtocolRELP, "octet", 0, "not used with relp"},
	} {
		f, err := ResolveFraming(tt.p, tt.setting)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ResolveFraming(%s, %q) = %v, %v; want an error with %q", tt.p, tt.setting, f, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || f != tt.want):
			t.Errorf("ResolveFraming(%s, %q) = %v, %v; want %v", tt.p, tt.setting, f, err, tt.want)
		}
		if ValidateFraming(tt.setting) == nil && (UsesFraming(tt.p) || tt.setting == "") != (err == nil) {
			t.Errorf("%s %q: ValidateFraming and UsesFraming disagree with ResolveFraming (%v)", tt.p, tt.setting, err)
		}
	}
}

func TestSettingRules(t *testing.T) {
	for _, p := range Protocols() {
		if (DefaultConfirm(p) != "") != UsesConfirm(p) || ValidateConfirm(DefaultConfirm(p)) != nil {
			t.Errorf("%s: default confirmation %q", p, DefaultConfirm(p))
		}
		if d := DefaultMessageBytes(p); d > MessageBytesLimit(p) || ValidateMaxMessageBytes(p, d) != nil {
			t.Errorf("%s: default message size %d over the limit %d", p, d, MessageBytesLimit(p))
		}
		if ValidateMaxMessageBytes(p, MessageBytesLimit(p)+1) == nil || ValidateMaxMessageBytes(p, -1) == nil {
			t.Errorf("%s: message size limit not applied", p)
		}
	}
	for n, ok := range map[int]bool{0: false, 1: true, MaxConnections: true, MaxConnections + 1: false} {
		if (ValidateConnections(n) == nil) != ok {
			t.Errorf("ValidateConnections(%d) = %v", n, ValidateConnections(n))
		}
	}
	for n, ok := range map[int]bool{0: false, 1: true, MaxRELPWindow: true, MaxRELPWindow + 1: false} {
		if (ValidateRELPWindow(n) == nil) != ok {
			t.Errorf("ValidateRELPWindow(%d) = %v", n, ValidateRELPWindow(n))
		}
	}
	for n, ok := range map[int]bool{0: false, 1: true, MaxDestinations: true, MaxDestinations + 1: false} {
		if (ValidateDestinations(n) == nil) != ok {
			t.Errorf("ValidateDestinations(%d) = %v", n, ValidateDestinations(n))
		}
	}
	if err := ValidateProtocol("tpc"); err == nil || err.Error() != "must be one of tcp, tls, udp, relp, relp-tls" {
		t.Errorf("ValidateProtocol(tpc) = %v", err)
	}
	if err := ValidateBalance("random"); err == nil || err.Error() != "must be one of failover, roundrobin" {
		t.Errorf("ValidateBalance(random) = %v", err)
	}
	if err := ValidateConfirm("kernel"); err == nil || err.Error() != "must be one of write, ack, close" {
		t.Errorf("ValidateConfirm(kernel) = %v", err)
	}
}
