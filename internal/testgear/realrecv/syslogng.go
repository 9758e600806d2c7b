package realrecv

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// SyslogNGOptions select the sources of a syslog-ng instance. ListenerTCP (syslog(), octet-counted) and ListenerLF
// (network() with flags(syslog-protocol), LF) always exist.
type SyslogNGOptions struct {
	// TLS adds ListenerTLS (syslog() over TLS, octet-counted, peer-verify(optional-untrusted): no client
	// certificate needed) and ListenerTLSLF (network() over TLS, LF, likewise).
	TLS bool
	// MTLS adds ListenerMTLS (syslog() over TLS, octet-counted, peer-verify(required-trusted): the client
	// certificate must chain to the test CA).
	MTLS bool
	// NoParse gives every source flags(no-parse) instead of parsing a syslog header (syslog-protocol for network(),
	// RFC 5424 or RFC 3164 for syslog()): the whole frame, without its framing, is MSG, PRI is 13 (user.notice),
	// HOSTNAME the sender's address and TIMESTAMP the receive time. This is how syslog-ng takes lines that have no
	// syslog header, such as siemship's bare JSON (SYSLOG_HEADER=none), which the parsing sources would split into
	// a TAG and the rest.
	NoParse bool
	// ParseJSON runs json-parser(prefix("json.")) on every message's MSG and reports the result in Parsed.JSON. A
	// message that is not JSON is still stored (the parser runs in an if block that marks the failure).
	ParseJSON bool
	// TimeZone is the TZ of the syslog-ng process (a POSIX TZ string such as "CST-8", or a zoneinfo name); empty
	// means DefaultTimeZone. syslog-ng reads an RFC 3164 TIMESTAMP, which has no zone, in this zone.
	TimeZone string
}

// SyslogNG is a private syslog-ng (unpacked under SyslogNGRoot) running in the foreground (-F).
type SyslogNG struct {
	*process
	opts              SyslogNGOptions
	bin, lib, modules string
	ports             map[string]int // chosen at the first start (see port.go), kept by Restart
}

// StartSyslogNG starts a syslog-ng instance and waits until it reports "starting up" and listens on every port.
// When a port turns out to be taken by another process it starts again on new ports. The instance is stopped by
// t.Cleanup. The test is skipped (failed with CI=true) when syslog-ng is not installed.
func StartSyslogNG(t testing.TB, o SyslogNGOptions) *SyslogNG {
	t.Helper()
	bin, lib, modules := syslogNGPaths()
	if bin == "" {
		missingReceiver(t, "syslog-ng (not found at "+SyslogNGRoot+"/usr/sbin/syslog-ng with modules)")
	}
	s := &SyslogNG{process: newProcess(t, ReceiverSyslogNG), opts: o, bin: bin, lib: lib, modules: modules}
	s.logOnFailure(t, func() string { return "internal.log:\n" + s.InternalLog() })
	names := []string{ListenerTCP, ListenerLF}
	if o.TLS {
		names = append(names, ListenerTLS, ListenerTLSLF)
	}
	if o.MTLS {
		names = append(names, ListenerMTLS)
	}
	err := startOnNewPorts(t, ReceiverSyslogNG, names, func(ports map[string]int) { s.ports = ports }, s.run)
	if err != nil {
		t.Fatalf("realrecv: start syslog-ng: %v\nstderr:\n%s\ninternal.log:\n%s", err,
			truncateTail(s.Stderr(), 16<<10), truncateTail(s.InternalLog(), 16<<10))
	}
	return s
}

// Addr returns host:port of a source: ListenerTCP, ListenerLF, with TLS ListenerTLS and ListenerTLSLF, with MTLS
// ListenerMTLS. It panics for a source the options did not ask for, which is a bug in the test.
func (s *SyslogNG) Addr(listener string) string {
	port, ok := s.ports[listener]
	if !ok {
		panic(fmt.Sprintf("realrecv: syslog-ng has no source %q", listener))
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// Restart stops syslog-ng with SIGTERM (when it runs) and starts it again on the same ports and output file. A port
// taken by another process meanwhile fails the test: the ports cannot change under a running sender.
func (s *SyslogNG) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := restartOnSamePorts(t, ReceiverSyslogNG, s.run); err != nil {
		t.Fatalf("realrecv: restart syslog-ng: %v\nstderr:\n%s\ninternal.log:\n%s", err,
			truncateTail(s.Stderr(), 16<<10), truncateTail(s.InternalLog(), 16<<10))
	}
}

// startingUp counts the "starting up" lines in internal.log: one per start that got that far.
func (s *SyslogNG) startingUp() int { return strings.Count(s.InternalLog(), "syslog-ng starting up;") }

// InternalLog returns syslog-ng's own messages (the internal() source) over all runs: TLS and framing errors
// land here, not on stderr.
func (s *SyslogNG) InternalLog() string {
	b, _ := os.ReadFile(s.internalLogPath())
	return string(b)
}

func (s *SyslogNG) internalLogPath() string { return filepath.Join(s.dir, "out", "internal.log") }

// run writes the config, starts syslog-ng and waits for one more "starting up" line in internal.log and until it,
// and nobody else, listens on every port.
func (s *SyslogNG) run() error {
	cfg := filepath.Join(s.dir, "syslog-ng.conf")
	if err := os.WriteFile(cfg, []byte(s.config()), 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	state := filepath.Join(s.dir, "state")
	ctl, pid := filepath.Join(state, "syslog-ng.ctl"), filepath.Join(state, "syslog-ng.pid")
	_ = os.Remove(ctl) // left behind by SIGKILL
	_ = os.Remove(pid)
	if beforeStart != nil {
		beforeStart(maps.Clone(s.ports))
	}
	argv := []string{s.bin, "--module-path=" + s.modules, "-F", "--no-caps", "-f", cfg,
		"-R", filepath.Join(state, "syslog-ng.persist"), "-c", ctl, "-p", pid}
	want := s.startingUp() + 1 // counted before each start: a killed start may have written its line
	if err := s.start(argv, []string{"LD_LIBRARY_PATH=" + s.lib, "TZ=" + timeZone(s.opts.TimeZone)}); err != nil {
		return err
	}
	err := s.waitReady(func() (bool, error) {
		if s.startingUp() < want {
			return false, nil
		}
		return s.checkPorts("127.0.0.1", s.ports)
	})
	if err != nil {
		return s.abort(err) // syslog-ng exits when a source cannot bind: abort finds it in its output
	}
	return nil
}

// config renders syslog-ng.conf: every source feeds one flow-controlled log path into out/json.log, so a slow
// file write slows the senders down instead of dropping messages.
func (s *SyslogNG) config() string {
	d := s.dir
	tlsOpts := func(verify string) string {
		return fmt.Sprintf(`tls(key-file("%s") cert-file("%s") ca-file("%s") peer-verify(%s))`,
			s.certs.ServerKeyFile, s.certs.ServerCertFile, s.certs.CAFile, verify)
	}
	// log-iw-size is shared by max-connections: 100000/100 = a window of 1000 messages per connection.
	const common = `ip("127.0.0.1") max-connections(100) log-iw-size(100000)`
	syslogFlags, networkFlags := "store-raw-message", "syslog-protocol, store-raw-message"
	if s.opts.NoParse {
		syslogFlags, networkFlags = "no-parse, store-raw-message", "no-parse, store-raw-message"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `@version: 3.38
# generated by siemship internal/testgear/realrecv
options { keep-hostname(yes); chain-hostnames(no); use-dns(no); dns-cache(no); use-fqdn(no); frac-digits(6); ts-format(iso);
          log-msg-size(%[1]d); stats-freq(0); flush-lines(0); keep-timestamp(yes); };

source s_%[2]s { syslog(%[3]s port(%[4]d) transport("tcp") flags(%[7]s)); };
source s_%[5]s { network(%[3]s port(%[6]d) transport("tcp") flags(%[8]s)); };
`, MaxMessageSize, ListenerTCP, common, s.ports[ListenerTCP], ListenerLF, s.ports[ListenerLF], syslogFlags, networkFlags)
	sources := "source(s_" + ListenerTCP + "); source(s_" + ListenerLF + ");"
	if s.opts.TLS {
		fmt.Fprintf(&b, `source s_%s { syslog(%s port(%d) transport("tls") flags(%s) %s); };
source s_%s { network(%s port(%d) transport("tls") flags(%s) %s); };
`, ListenerTLS, common, s.ports[ListenerTLS], syslogFlags, tlsOpts("optional-untrusted"),
			ListenerTLSLF, common, s.ports[ListenerTLSLF], networkFlags, tlsOpts("optional-untrusted"))
		sources += " source(s_" + ListenerTLS + "); source(s_" + ListenerTLSLF + ");"
	}
	if s.opts.MTLS {
		fmt.Fprintf(&b, `source s_%s { syslog(%s port(%d) transport("tls") flags(%s) %s); };
`, ListenerMTLS, common, s.ports[ListenerMTLS], syslogFlags, tlsOpts("required-trusted"))
		sources += " source(s_" + ListenerMTLS + ");"
	}
	var parse, members string
	if s.opts.ParseJSON {
		// A failing parser would drop the message from the log path; inside if/else it only sets the marker.
		// format-json nests json-parser's dotted names ("json.a.b") into objects again.
		parse = `if { parser { json-parser(prefix("json.")); }; } else { rewrite { set("1" value("jsonfail")); }; };`
		members = ` json=$(format-json --key json.*) jsonfail=${jsonfail}`
	}
	fmt.Fprintf(&b, `
template t_json { template("$(format-json --scope none source=${SOURCE} pri=${PRI} timestamp=${S_ISODATE} hostname=${HOST} app=${PROGRAM} procid=${PID} msgid=${MSGID} sd=${SDATA} msg=${MESSAGE} raw=${RAWMSG} sdparams=$(format-json --key .SDATA.*)%[3]s)\n"); };
destination d_json { file("%[1]s/out/json.log" template(t_json) log-fifo-size(100000)); };
log { %[2]s %[4]s destination(d_json); flags(flow-control); };

source s_internal { internal(); };
log { source(s_internal); destination { file("%[1]s/out/internal.log"); }; };
`, d, sources, members, parse)
	return b.String()
}
