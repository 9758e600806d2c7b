package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// SyslogAddrs returns the destinations of SYSLOG_HOST as host:port strings ready for net.Dial, in the order given;
// entries without a port get SYSLOG_PORT. It fails on entries Validate would reject.
func (c *Config) SyslogAddrs() ([]string, error) {
	if c.Syslog.Port < 1 || c.Syslog.Port > 65535 {
		return nil, &VarError{Name: c.name(&c.Syslog.Port), Value: strconv.Itoa(c.Syslog.Port), Msg: "must be 1 to 65535"}
	}
	addrs, errs := parseHosts(c.Syslog.Host, c.Syslog.Port)
	if len(errs) > 0 {
		return nil, &VarError{Name: c.name(&c.Syslog.Host), Value: c.Syslog.Host, Msg: strings.Join(errs, "; ")}
	}
	return addrs, nil
}

// parseHosts splits a comma-separated list of host, host:port, [ipv6] or [ipv6]:port (a bare IPv6 address is
// accepted too) and returns the addresses and a message per bad entry.
func parseHosts(list string, defPort int) (addrs, errs []string) {
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		addr, err := parseHost(entry, defPort)
		if err != "" {
			errs = append(errs, err)
			continue
		}
		addrs = append(addrs, addr)
	}
	return addrs, errs
}

func parseHost(entry string, defPort int) (string, string) {
	if entry == "" {
		return "", "empty entry (a stray comma?)"
	}
	host, port := entry, strconv.Itoa(defPort)
	switch {
	case strings.HasPrefix(entry, "["):
		end := strings.IndexByte(entry, ']')
		if end < 0 {
			return "", fmt.Sprintf("%q: missing ] after the IPv6 address", entry)
		}
		host = entry[1:end]
		if rest := entry[end+1:]; rest != "" {
			p, ok := strings.CutPrefix(rest, ":")
			if !ok {
				return "", fmt.Sprintf("%q: expected :port after ]", entry)
			}
			port = p
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", fmt.Sprintf("%q: brackets must hold an IPv6 address", entry)
		}
	case strings.Count(entry, ":") == 1:
		host, port, _ = strings.Cut(entry, ":")
	case strings.Count(entry, ":") > 1:
		if _, err := netip.ParseAddr(entry); err != nil {
			return "", fmt.Sprintf("%q: not a host, host:port or IPv6 address (write [addr]:port for a port)", entry)
		}
	}
	if host == "" || hasSpaceOrControl(host) || strings.ContainsAny(host, "/?#@[]") {
		return "", fmt.Sprintf("%q: not a valid host name or address", entry)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
		return "", fmt.Sprintf("%q: port must be 1 to 65535", entry)
	}
	return net.JoinHostPort(host, port), ""
}
