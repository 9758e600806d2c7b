package config

import (
	"net"
	"slices"
	"strings"
	"testing"
)

func TestParseHosts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		errs []string
	}{
		{"siem", []string{"siem:514"}, nil},
		{"siem:6514", []string{"siem:6514"}, nil},
		{"10.0.0.1", []string{"10.0.0.1:514"}, nil},
		{"10.0.0.1:1", []string{"10.0.0.1:1"}, nil},
		{"[2001:db8::1]", []string{"[2001:db8::1]:514"}, nil},
		{"[2001:db8::1]:65535", []string{"[2001:db8::1]:65535"}, nil},
		{"2001:db8::1", []string{"[2001:db8::1]:514"}, nil},
		{"fe80::1%eth0", []string{"[fe80::1%eth0]:514"}, nil},
		{" a , b:2 ", []string{"a:514", "b:2"}, nil},
		{"", nil, []string{"empty entry (a stray comma?)"}},
		{"a,", []string{"a:514"}, []string{"empty entry (a stray comma?)"}},
		{"a:", nil, []string{`"a:": port must be 1 to 65535`}},
		{"a:65536", nil, []string{`"a:65536": port must be 1 to 65535`}},
		{"a:+1", nil, []string{`"a:+1": port must be 1 to 65535`}},
		{"a:0514", nil, []string{`"a:0514": port must be 1 to 65535`}},
		{":514", nil, []string{`":514": not a valid host name or address`}},
		{"a b", nil, []string{`"a b": not a valid host name or address`}},
		{"tcp://a", nil, []string{`"tcp://a": port must be 1 to 65535`}},
		{"user@a", nil, []string{`"user@a": not a valid host name or address`}},
		{"[a]:1", nil, []string{`"[a]:1": brackets must hold an IPv6 address`}},
		{"[10.0.0.1]", nil, []string{`"[10.0.0.1]": brackets must hold an IPv6 address`}},
		{"[::1]x", nil, []string{`"[::1]x": expected :port after ]`}},
		{"[::1", nil, []string{`"[::1": missing ] after the IPv6 address`}},
		{"a:b:c", nil, []string{`"a:b:c": not a host, host:port or IPv6 address (write [addr]:port for a port)`}},
	}
	for _, tt := range tests {
		got, errs := parseHosts(tt.in, 514)
		if !slices.Equal(got, tt.want) || !slices.Equal(errs, tt.errs) {
			t.Errorf("parseHosts(%q) = %q, %q; want %q, %q", tt.in, got, errs, tt.want, tt.errs)
		}
		for _, a := range got {
			if _, _, err := net.SplitHostPort(a); err != nil {
				t.Errorf("parseHosts(%q) produced %q, which net cannot split: %v", tt.in, a, err)
			}
		}
	}
}

func TestSyslogAddrsErrors(t *testing.T) {
	c := mustLoad(t, env("SYSLOG_PORT=1514"))
	c.Syslog.Host = "a,[2001:db8::1]:6514" // a list, as Validate will allow once failover exists
	got, err := c.SyslogAddrs()
	if err != nil || !slices.Equal(got, []string{"a:1514", "[2001:db8::1]:6514"}) {
		t.Errorf("SyslogAddrs = %q, %v", got, err)
	}
	c.Syslog.Host = "a,,b"
	if _, err := c.SyslogAddrs(); err == nil || !strings.HasPrefix(err.Error(), `SYSLOG_HOST="a,,b": empty entry`) {
		t.Errorf("bad host list: %v", err)
	}
	c.Syslog.Host, c.Syslog.Port = "a", 0
	if _, err := c.SyslogAddrs(); err == nil || err.Error() != `SYSLOG_PORT="0": must be 1 to 65535` {
		t.Errorf("bad port: %v", err)
	}
}

// FuzzParseHosts: every address produced splits into a host and a port 1..65535, and no input panics.
func FuzzParseHosts(f *testing.F) {
	for _, s := range []string{"a", "a:1", "[::1]:2", "::1", "a,b", "[", "]", ":", "a:b:c", "[fe80::1%en0]:514", "ä:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addrs, errs := parseHosts(s, 514)
		if len(addrs)+len(errs) != strings.Count(s, ",")+1 {
			t.Errorf("%q: %d addresses and %d errors for %d entries", s, len(addrs), len(errs), strings.Count(s, ",")+1)
		}
		for _, a := range addrs {
			host, port, err := net.SplitHostPort(a)
			if err != nil || host == "" || port == "" || port == "0" {
				t.Errorf("%q produced %q: %v", s, a, err)
			}
		}
	})
}
