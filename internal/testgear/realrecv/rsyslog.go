package realrecv

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// MaxMessageSize is the largest message both receivers accept (rsyslog maxMessageSize and imtcp maxFrameSize,
// syslog-ng log-msg-size): 256 KiB, well above siemship's limits, so tests see siemship's truncation rather than the
// receivers' (rsyslog's default is 8 KiB, syslog-ng's 64 KiB).
const MaxMessageSize = 256 << 10

// defaultGnuTLSPriority lets the gtls listener negotiate TLS 1.3 and TLS 1.2 (GnuTLS's default offers 1.2 only
// to rsyslog 8.2302).
const defaultGnuTLSPriority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

// RsyslogOptions select the listeners of an rsyslog instance. The plain TCP listener always exists.
type RsyslogOptions struct {
	// TLS adds ListenerTLS (and its alias ListenerTLSLF): GnuTLS driver "gtls", authMode anon (no client
	// certificate needed, server certificate from the test CA), TLS 1.2 and 1.3. It makes the start slow and
	// erratic (0.1-1.5 s on a loaded 2-core machine): the gtls driver generates Diffie-Hellman parameters at start.
	TLS bool
	// MTLS adds ListenerMTLS: OpenSSL driver "ossl", authMode x509/certvalid (the client certificate must chain
	// to the test CA; no name check), TLS 1.2 and 1.3. Cheap (~10 ms).
	MTLS bool
	// RELP adds ListenerRELP (imrelp, plain).
	RELP bool
	// RELPTLS adds ListenerRELPTLS (imrelp, tls="on", authmode certvalid: client certificate required).
	RELPTLS bool
	// RELPTLSServerAuth adds ListenerRELPTLSServerAuth (imrelp, tls="on", server certificate, no client
	// authentication).
	RELPTLSServerAuth bool
	// GnuTLSPriority overrides the gtls priority string of ListenerTLS (e.g. "NORMAL:-VERS-ALL:+VERS-TLS1.2").
	GnuTLSPriority string
	// NetNS runs rsyslogd inside this existing network namespace (`ip netns exec NetNS rsyslogd ...`, needs
	// root and iproute2): a test can then cut the receiver off without a FIN by taking the namespace's link down.
	NetNS string
	// Address is the address every listener binds and Addr reports; empty means 127.0.0.1. With NetNS it is the
	// namespace's own address.
	Address string
	// ParseJSON runs mmjsonparse on every message (cookie="": MSG is parsed as JSON without the "@cee:" prefix
	// mmjsonparse otherwise requires) and reports the result in Parsed.JSON.
	ParseJSON bool
	// ParseCEF runs mmnormalize with liblognorm's CEF parser on every message (rule base cefRulebase) and reports
	// the result in Parsed.CEF.
	ParseCEF bool
	// TimeZone is the TZ of the rsyslogd process (a POSIX TZ string such as "CST-8", or a zoneinfo name); empty
	// means DefaultTimeZone. rsyslog reads an RFC 3164 TIMESTAMP, which has no zone, in this zone.
	TimeZone string
}

// Rsyslog is a private rsyslogd running in the foreground (-n) with its own config, work directory and ports.
type Rsyslog struct {
	*process
	opts RsyslogOptions
	bin  string
	// ports of the listeners, chosen at the first start (see port.go) and kept by Restart.
	portsMu sync.Mutex
	ports   map[string]int
}

// StartRsyslog starts an rsyslog instance and waits until it listens on every port. When a port turns out to be
// taken by another process it starts again on new ports. The instance is stopped by t.Cleanup. The test is
// skipped (failed with CI=true) when rsyslogd is not installed.
func StartRsyslog(t testing.TB, o RsyslogOptions) *Rsyslog {
	t.Helper()
	bin := rsyslogdPath()
	if bin == "" {
		missingReceiver(t, "rsyslogd (not on PATH, not /usr/sbin/rsyslogd)")
	}
	r := &Rsyslog{process: newProcess(t, ReceiverRsyslog), opts: o, bin: bin}
	r.logOnFailure(t, nil)
	names := []string{ListenerTCP}
	for _, l := range []struct {
		on   bool
		name string
	}{{o.TLS, ListenerTLS}, {o.MTLS, ListenerMTLS}, {o.RELP, ListenerRELP}, {o.RELPTLS, ListenerRELPTLS},
		{o.RELPTLSServerAuth, ListenerRELPTLSServerAuth}} {
		if l.on {
			names = append(names, l.name)
		}
	}
	err := startOnNewPorts(t, ReceiverRsyslog, names, func(ports map[string]int) {
		r.portsMu.Lock()
		r.ports = ports
		r.portsMu.Unlock()
	}, r.run)
	if err != nil {
		t.Fatalf("realrecv: start rsyslog: %v\nstderr:\n%s", err, truncateTail(r.Stderr(), 16<<10))
	}
	return r
}

// Addr returns host:port of a listener: ListenerTCP or ListenerLF (one imtcp port for both framings), ListenerTLS
// or ListenerTLSLF, ListenerMTLS, ListenerRELP, ListenerRELPTLS. It panics for a listener the options did not ask
// for, which is a bug in the test.
func (r *Rsyslog) Addr(listener string) string {
	switch listener {
	case ListenerLF:
		listener = ListenerTCP
	case ListenerTLSLF:
		listener = ListenerTLS
	}
	r.portsMu.Lock()
	port, ok := r.ports[listener]
	r.portsMu.Unlock()
	if !ok || port == 0 {
		panic(fmt.Sprintf("realrecv: rsyslog has no listener %q", listener))
	}
	return net.JoinHostPort(r.address(), strconv.Itoa(port))
}

func (r *Rsyslog) address() string {
	if r.opts.Address == "" {
		return "127.0.0.1"
	}
	return r.opts.Address
}

// Restart stops rsyslog with SIGTERM (when it runs) and starts it again on the same ports with the same output
// file. A port taken by another process meanwhile fails the test: the ports cannot change under a running sender.
func (r *Rsyslog) Restart(t testing.TB) {
	t.Helper()
	r.Stop()
	if err := restartOnSamePorts(t, ReceiverRsyslog, r.run); err != nil {
		t.Fatalf("realrecv: restart rsyslog: %v\nstderr:\n%s", err, truncateTail(r.Stderr(), 16<<10))
	}
}

// run writes the config, starts rsyslogd and waits until it, and nobody else, listens on every port.
func (r *Rsyslog) run() error {
	r.portsMu.Lock()
	ports := maps.Clone(r.ports)
	r.portsMu.Unlock()
	cfg := filepath.Join(r.dir, "rsyslog.conf")
	if err := os.WriteFile(cfg, []byte(r.config(ports)), 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if r.opts.ParseCEF {
		if err := os.WriteFile(r.rulebasePath(), []byte(cefRulebase), 0o644); err != nil {
			return fmt.Errorf("write rule base: %w", err)
		}
	}
	if beforeStart != nil {
		beforeStart(ports)
	}
	pidFile := filepath.Join(r.dir, "state", "rsyslogd.pid")
	_ = os.Remove(pidFile) // left behind by SIGKILL; rsyslogd refuses to start when its PID is alive
	argv := []string{r.bin, "-n", "-f", cfg, "-i", pidFile}
	if r.opts.NetNS != "" {
		// ip execs rsyslogd: same PID, so signals and Pdeathsig reach rsyslogd itself, and its sockets are found
		// in its own /proc/PID/fd and its namespace's /proc/PID/net/tcp.
		argv = append([]string{ipPath(), "netns", "exec", r.opts.NetNS}, argv...)
	}
	if err := r.start(argv, []string{"TZ=" + timeZone(r.opts.TimeZone)}); err != nil {
		return err
	}
	if err := r.waitReady(func() (bool, error) { return r.checkPorts(r.address(), ports) }); err != nil {
		return r.abort(err)
	}
	return nil
}

// cefRulebase is the liblognorm rule base of ParseCEF: the whole MSG is one CEF message. The second rule allows
// the space that rsyslog keeps at the start of MSG after an RFC 3164 TAG ("app: CEF:0|...").
const cefRulebase = `version=2
rule=:%cef:cef%
rule=: %cef:cef%
`

func (r *Rsyslog) rulebasePath() string { return filepath.Join(r.dir, "cef.rulebase") }

// config renders rsyslog.conf with the listeners on ports. See receivers.md (docs) for the reasoning behind each
// setting.
func (r *Rsyslog) config(ports map[string]int) string {
	d := r.dir
	var b strings.Builder
	fmt.Fprintf(&b, `# generated by siemship internal/testgear/realrecv
global(
  workDirectory="%[1]s/state"
  maxMessageSize="%[2]d"
  parser.escapeControlCharactersOnReceive="off"
  net.enableDNS="off"
  defaultNetstreamDriverCAFile="%[3]s"
  defaultNetstreamDriverCertFile="%[4]s"
  defaultNetstreamDriverKeyFile="%[5]s"
)
module(load="imtcp" maxFrameSize="%[2]d")
`, d, MaxMessageSize, r.certs.CAFile, r.certs.ServerCertFile, r.certs.ServerKeyFile)
	if r.opts.RELP || r.opts.RELPTLS || r.opts.RELPTLSServerAuth {
		b.WriteString("module(load=\"imrelp\" tls.tlslib=\"openssl\")\n")
	}
	// The body parsers: each keeps its result in its own variable and its $parsesuccess ("OK" or "FAIL") in a
	// local variable before the next parser overwrites it. A failed parse does not stop the ruleset.
	var parse, props strings.Builder
	if r.opts.ParseJSON {
		b.WriteString("module(load=\"mmjsonparse\")\n")
		parse.WriteString(`  action(type="mmjsonparse" cookie="" container="$!json")
  set $.jsonok = $parsesuccess;
`)
		props.WriteString(`  property(outname="json"      name="$!json"           format="jsonf")
  property(outname="jsonok"    name="$.jsonok"         format="jsonf")
`)
	}
	if r.opts.ParseCEF {
		b.WriteString("module(load=\"mmnormalize\")\n")
		fmt.Fprintf(&parse, `  action(type="mmnormalize" rulebase="%s" path="$!cef")
  set $.cefok = $parsesuccess;
`, r.rulebasePath())
		props.WriteString(`  property(outname="cef"       name="$!cef"            format="jsonf")
  property(outname="cefok"     name="$.cefok"          format="jsonf")
`)
	}
	fmt.Fprintf(&b, `
template(name="json" type="list" option.jsonf="on") {
  property(outname="pri"       name="pri"              format="jsonf")
  property(outname="version"   name="protocol-version" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname"  name="hostname"         format="jsonf")
  property(outname="app"       name="app-name"         format="jsonf")
  property(outname="procid"    name="procid"           format="jsonf")
  property(outname="msgid"     name="msgid"            format="jsonf")
  property(outname="sd"        name="structured-data"  format="jsonf")
  property(outname="msg"       name="msg"              format="jsonf")
  property(outname="raw"       name="rawmsg"           format="jsonf")
  property(outname="input"     name="inputname"        format="jsonf")
%[4]s}
# Direct: each message is written by the input thread that read it, before the input reads on (or sees the end of
# the stream and closes). With the default in-memory main queue, a message rsyslog had read (and confirmed to a
# close- or RELP-mode sender) but not yet written would die with a SIGKILL: that is rsyslog's queue, not the
# sender's confirmation, and tests of the sender must not depend on it.
ruleset(name="net" queue.type="Direct") {
%[5]s  action(type="omfile" file="%[1]s/out/json.log" template="json")
}

input(type="imtcp" name="%[2]s" address="@ADDR@" port="%[3]d" ruleset="net")
`, d, ListenerTCP, ports[ListenerTCP], props.String(), parse.String())
	if r.opts.TLS {
		prio := r.opts.GnuTLSPriority
		if prio == "" {
			prio = defaultGnuTLSPriority
		}
		fmt.Fprintf(&b, `input(type="imtcp" name="%s" address="@ADDR@" port="%d" ruleset="net"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"
      gnutlsPriorityString="%s")
`, ListenerTLS, ports[ListenerTLS], prio)
	}
	if r.opts.MTLS {
		fmt.Fprintf(&b, `input(type="imtcp" name="%s" address="@ADDR@" port="%d" ruleset="net"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="x509/certvalid"
      streamDriver.CAFile="%s" streamDriver.CertFile="%s" streamDriver.KeyFile="%s")
`, ListenerMTLS, ports[ListenerMTLS],
			r.certs.CAFile, r.certs.ServerCertFile, r.certs.ServerKeyFile)
	}
	if r.opts.RELP {
		fmt.Fprintf(&b, "input(type=\"imrelp\" name=%q address=\"@ADDR@\" port=\"%d\" ruleset=\"net\" maxDataSize=\"%d\")\n",
			ListenerRELP, ports[ListenerRELP], MaxMessageSize)
	}
	if r.opts.RELPTLS {
		fmt.Fprintf(&b, `input(type="imrelp" name=%q address="@ADDR@" port="%d" ruleset="net" maxDataSize="%d"
      tls="on" tls.cacert="%s" tls.mycert="%s" tls.myprivkey="%s" tls.authmode="certvalid")
`, ListenerRELPTLS, ports[ListenerRELPTLS], MaxMessageSize, r.certs.CAFile, r.certs.ServerCertFile, r.certs.ServerKeyFile)
	}
	if r.opts.RELPTLSServerAuth {
		fmt.Fprintf(&b, `input(type="imrelp" name=%q address="@ADDR@" port="%d" ruleset="net" maxDataSize="%d"
      tls="on" tls.cacert="%s" tls.mycert="%s" tls.myprivkey="%s")
`, ListenerRELPTLSServerAuth, ports[ListenerRELPTLSServerAuth], MaxMessageSize, r.certs.CAFile, r.certs.ServerCertFile, r.certs.ServerKeyFile)
	}
	return strings.ReplaceAll(b.String(), "@ADDR@", r.address())
}
