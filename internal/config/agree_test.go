package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

// agreeBase is a valid environment without a computed default (no host name looked up).
var agreeBase = []string{
	"SLS_ENDPOINT=cn-hangzhou.log.aliyuncs.com",
	"SLS_AK_ID=LTAI5tExampleKeyId",
	"SLS_AK_KEY=s3cr3tAccessKeyValue",
	"SLS_PROJECT=my-project",
	"SLS_LOGSTORE=my_logstore",
	"SLS_CG=siem",
	"SLS_CONSUMER_NAME=node-1",
	"SYSLOG_HOST=siem.example.com",
	"SYSLOG_HOSTNAME=node-1.example.com",
}

// agreeEnv returns agreeBase with the KEY=value entries of extra replacing or added to it.
func agreeEnv(extra []string) []string {
	out := slices.Clone(agreeBase)
	for _, e := range extra {
		k, _, _ := strings.Cut(e, "=")
		out = slices.DeleteFunc(out, func(s string) bool { return strings.HasPrefix(s, k+"=") })
		out = append(out, e)
	}
	return out
}

// verdicts are what siemship check and siemship run make of one environment.
type verdicts struct {
	load  error // config.Load: check reports it, run stops with it
	build error // app.New on the same values without config's checks: what run would do next
	cfg   *config.Config
}

// judge loads environ as check and run do, and builds the components from the same values decoded without
// config's checks (nil build error when the values do not even decode: no component ever sees them).
func judge(t testing.TB, environ []string) verdicts {
	t.Helper()
	var v verdicts
	_, v.load = config.Load(environ)
	cfg, err := config.Decode(environ)
	if err != nil {
		if v.load == nil {
			t.Fatalf("Load accepts what does not decode: %v", err)
		}
		return v
	}
	v.cfg = cfg
	_, v.build = app.New(cfg, nil) // builds the sink, the encoder, the pipeline and the consumer; connects nothing
	return v
}

// varErrors returns the *VarError values joined in err; it fails the test on anything else.
func varErrors(t testing.TB, err error) []*config.VarError {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*config.VarError
	for _, e := range errs {
		var ve *config.VarError
		if !errors.As(e, &ve) {
			t.Errorf("problem %T does not name a variable: %v", e, e)
			continue
		}
		out = append(out, ve)
	}
	return out
}

// configOnly says why config may refuse a value that the components would accept, for a problem reported against
// variable name: the values the app never hands to a component as they are. "" when nothing excuses it: then a
// value config refuses must fail run's components too, because the rule is theirs.
func configOnly(c *config.Config, name string) string {
	switch {
	case name == "SYSLOG_CONNECTIONS" && c.Connections == 0, name == "SYSLOG_RELP_WINDOW" && c.RELPWindow == 0,
		name == "SYSLOG_DIAL_TIMEOUT" && c.DialTimeout == 0, name == "SYSLOG_WRITE_TIMEOUT" && c.WriteTimeout == 0:
		return "0 selects the sink's default in its Go options; the variable has its own default and refuses 0"
	case strings.HasPrefix(name, "SYSLOG_TLS_") && !c.Protocol.IsTLS():
		return "output hands the TLS settings to the sink only for tls and relp-tls"
	case name == "SYSLOG_RFC3164_TIMEZONE" && c.Header != "rfc3164":
		return "the zone goes to the header only with rfc3164"
	case name == "HEC_MAX_REQUEST_BYTES" && c.HECMaxRequestBytes == 0, name == "HEC_MAX_EVENTS" && c.HECMaxEvents == 0:
		return "0 selects the sink's default in its Go options; the variable has its own default and refuses 0"
	case name == "SIEMSHIP_PRESET":
		return "a preset is a set of values of other variables, which config applies; no component sees its name"
	}
	return ""
}

type agreeCase struct {
	env  []string // on top of agreeBase
	ok   bool     // the verdict of siemship check and siemship run
	name string   // the variable config's error names, when it is not the last one of env
}

// rulesFile writes a rules file for a case.
func rulesFile(t testing.TB, content string) string {
	p := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func good(env ...string) agreeCase { return agreeCase{env: env, ok: true} }
func bad(env ...string) agreeCase  { return agreeCase{env: env} }
func badNaming(name string, env ...string) agreeCase {
	return agreeCase{env: env, name: name}
}

// agreeCases are values of every variable that goes into building a component, valid, at the edges and invalid,
// protocol by protocol where the protocol matters.
func agreeCases(t testing.TB) []agreeCase {
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	tf, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := strings.Repeat
	longHeader := []string{"SYSLOG_HOSTNAME=" + r("h", header.MaxHostname), "SYSLOG_APP_NAME=" + r("a", header.MaxAppName),
		"SYSLOG_PROCID=" + r("p", header.MaxProcID), "SYSLOG_MSGID=" + r("m", header.MaxMsgID), `SYSLOG_STRUCTURED_DATA=[origin@32473 env="prod"]`}
	longMin := header.LeastMaxMessageBytes(header.Options{Facility: 1, Severity: 6, Hostname: r("h", header.MaxHostname),
		AppName: r("a", header.MaxAppName), ProcID: r("p", header.MaxProcID), MsgID: r("m", header.MaxMsgID),
		StructuredData: `[origin@32473 env="prod"]`})
	with := func(pre []string, env ...string) []string { return slices.Concat(pre, env) }
	hugeSD := `SYSLOG_STRUCTURED_DATA=[x@1 k="` + r("v", 70000) + `"]`
	hosts := func(n int) string { return "SYSLOG_HOST=" + strings.TrimSuffix(r("siem,", n), ",") }
	tls := func(p string) []string { return []string{"SYSLOG_PROTOCOL=" + p, "SYSLOG_TLS_CA_FILE=" + tf.CA} }

	cases := []agreeCase{
		// SYSLOG_SEP: the kv encoder's rule (kv.ValidateSeparator).
		good("SYSLOG_SEP=||"), good("SYSLOG_SEP=|"), good("SYSLOG_SEP=;"), good("SYSLOG_SEP= "), good("SYSLOG_SEP=#|#"),
		good("SYSLOG_SEP=|a1"), good("SYSLOG_SEP=" + r("|", 16)), good("SYSLOG_SEP=" + r("-", 16)),
		bad("SYSLOG_SEP=abc"), bad("SYSLOG_SEP=a"), bad("SYSLOG_SEP=Z|"), bad("SYSLOG_SEP=0"), bad("SYSLOG_SEP=||="),
		bad("SYSLOG_SEP=|="), bad("SYSLOG_SEP=="), bad(`SYSLOG_SEP=\`), bad(`SYSLOG_SEP=|\`), bad("SYSLOG_SEP=" + r("|", 17)),
		bad("SYSLOG_SEP=" + r("#", 17)), bad("SYSLOG_SEP=|\t"), bad("SYSLOG_SEP=|\n"), bad("SYSLOG_SEP=\r"),
		bad("SYSLOG_SEP=¦"), bad("SYSLOG_SEP=|\xff"), bad("SYSLOG_SEP=|\x7f"),
		// CEF_*: the cef encoder's rules (cef.ValidateVendor, ...).
		good("SIEMSHIP_FORMAT=cef"), good("SIEMSHIP_FORMAT=CEF", "SYSLOG_HEADER=rfc3164"), bad("SIEMSHIP_FORMAT=xml"),
		good("SIEMSHIP_FORMAT=cef", "CEF_SEVERITY=10"), bad("SIEMSHIP_FORMAT=cef", "CEF_SEVERITY=11"),
		bad("SIEMSHIP_FORMAT=cef", "CEF_SEVERITY=-1"), good("SIEMSHIP_FORMAT=cef", "CEF_VENDOR=a|b\\c"),
		good("SIEMSHIP_FORMAT=cef", "CEF_PRODUCT="+r("p", 100)), // cut to 63, with a warning
		bad("SIEMSHIP_FORMAT=cef", "CEF_NAME=a\nb"), bad("SIEMSHIP_FORMAT=cef", "CEF_EVENT_CLASS=\xff"),
		bad("SIEMSHIP_FORMAT=cef", "CEF_VERSION=\x00"),
		// LEEF_*: the leef encoder's rules (leef.ParseVersion, ParseDelimiter, ValidateHeaderField).
		good("SIEMSHIP_FORMAT=leef"), good("SIEMSHIP_FORMAT=leef", "LEEF_VERSION=1.0"), bad("SIEMSHIP_FORMAT=leef", "LEEF_VERSION=3.0"),
		good("SIEMSHIP_FORMAT=leef", "LEEF_DELIMITER=^"), good("SIEMSHIP_FORMAT=leef", "LEEF_DELIMITER=x5E"),
		bad("SIEMSHIP_FORMAT=leef", "LEEF_DELIMITER=="), bad("SIEMSHIP_FORMAT=leef", "LEEF_DELIMITER=ab"),
		badNaming("LEEF_DELIMITER", "SIEMSHIP_FORMAT=leef", "LEEF_DELIMITER=^", "LEEF_VERSION=1.0"),
		bad("SIEMSHIP_FORMAT=leef", "LEEF_VENDOR=a|b"), bad("SIEMSHIP_FORMAT=leef", "LEEF_EVENT_ID="+r("e", 256)),
		good("SIEMSHIP_FORMAT=leef", "LEEF_EVENT_ID="+r("e", 255)), good("SIEMSHIP_FORMAT=leef", "SYSLOG_HEADER=rfc3164"),
		// Templates in header settings (mapping.ParseTemplate) and the mapping group (mapping.Parse*, rules.Load).
		good("SYSLOG_HOSTNAME=${host}"), good("SYSLOG_HOSTNAME=${host:-h} x"), bad("SYSLOG_HOSTNAME=${host"),
		good("SYSLOG_APP_NAME=${app:-siemship}"), bad("SYSLOG_MSGID=${}"), good("SYSLOG_MSGID=${__tag__:k}"),
		good("SIEMSHIP_FORMAT=cef", "CEF_NAME=${eventName}"), bad("SIEMSHIP_FORMAT=cef", "CEF_NAME=$x ${a}"),
		good("SIEMSHIP_FORMAT=cef", "CEF_EVENT_CLASS=${serviceName}:${eventName}"), good("SIEMSHIP_FORMAT=cef", "CEF_VENDOR=$${a}"),
		good("SIEMSHIP_FORMAT=leef", "LEEF_EVENT_ID=${eventName}"), bad("SIEMSHIP_FORMAT=leef", "LEEF_VENDOR=${a${b}}"),
		good("SYSLOG_SEVERITY_FIELD=level"), good("SYSLOG_SEVERITY_FIELD=level", "SYSLOG_SEVERITY_MAP=E=err,*=info"),
		bad("SYSLOG_SEVERITY_FIELD=level", "SYSLOG_SEVERITY_MAP=E=bogus"), bad("SYSLOG_SEVERITY_MAP=E=err"),
		bad("SYSLOG_SEVERITY_FIELD=level", "SYSLOG_SEVERITY_MAP=E"), good("SYSLOG_FACILITY_FIELD=fac"),
		good("SIEMSHIP_PRESET=actiontrail"), good("SIEMSHIP_PRESET=ActionTrail", "SIEMSHIP_FORMAT=cef"),
		good("SIEMSHIP_PRESET=actiontrail", "SIEMSHIP_FORMAT=leef", "SYSLOG_HEADER=rfc3164"), bad("SIEMSHIP_PRESET=splunk"),
		good("SIEMSHIP_RENAME_FIELDS=a=b,c=d|e"), bad("SIEMSHIP_RENAME_FIELDS=a"), bad("SIEMSHIP_RENAME_FIELDS=a=b,a=c"),
		good("SIEMSHIP_KEEP_FIELDS=a,b*"), bad("SIEMSHIP_KEEP_FIELDS=a*b"), bad("SIEMSHIP_DROP_FIELDS=a,,b"),
		good("SIEMSHIP_ADD_FIELDS=k=v,o=${e:+failure:-success}"), bad("SIEMSHIP_ADD_FIELDS=k=${"), bad("SIEMSHIP_ADD_FIELDS==v"),
		good("SIEMSHIP_RULES_FILE=" + rulesFile(t, "rules:\n  - name: r\n    keyword: x\n    drop: true\n")),
		bad("SIEMSHIP_RULES_FILE=" + rulesFile(t, "rules:\n  - name: r\n    drop: true\n")),
		bad("SIEMSHIP_RULES_FILE=/nonexistent/rules.yaml"),
		// SIEMSHIP_OUTPUT=hec: the hec sink's and encoder's rules; no SYSLOG_ variable needed.
		good("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://splunk:8088", "HEC_TOKEN=t"),
		good("SIEMSHIP_OUTPUT=HEC", "HEC_URL=http://a:8088, https://b:8088/", "HEC_TOKEN=t", "HEC_ACK=off", "HEC_HOST=${__tag__:__hostname__}"),
		bad("SIEMSHIP_OUTPUT=hec", "HEC_TOKEN=t", "HEC_URL=ftp://a"), bad("SIEMSHIP_OUTPUT=hec", "HEC_TOKEN=t", "HEC_URL=https://a:8088/services/collector"),
		badNaming("HEC_URL", "SIEMSHIP_OUTPUT=hec", "HEC_TOKEN=t"), badNaming("HEC_TOKEN", "SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a"),
		bad("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_ACK=maybe"),
		bad("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_INDEX=a\nb"),
		bad("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_HOST=${x"),
		bad("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_MAX_REQUEST_BYTES=100"),
		bad("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_TLS_CA_FILE=/nonexistent.pem"),
		bad("SIEMSHIP_OUTPUT=kafka"), bad("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_MAX_EVENTS=0"),
		good("SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_FIELDS=eventName, ip=sourceIpAddress,topic=__topic__"),
		badNaming("HEC_FIELDS", "SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_FIELDS=__topic__"),
		badNaming("HEC_FIELDS", "SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_FIELDS=a,a=b"),
		badNaming("HEC_MAX_REQUEST_BYTES", "SIEMSHIP_OUTPUT=hec", "HEC_URL=https://a", "HEC_TOKEN=t", "HEC_FIELDS=a,b,c", "HEC_MAX_REQUEST_BYTES=4096"),
		// json, with or without a header.
		good("SIEMSHIP_FORMAT=json"), good("SIEMSHIP_FORMAT=json", "SYSLOG_HEADER=none"),
		good("SIEMSHIP_FORMAT=json", "SYSLOG_HEADER=rfc3164"), good("SIEMSHIP_FORMAT=json", "SYSLOG_HEADER=none", "SYSLOG_MAX_MESSAGE_BYTES=480"),
		badNaming("SYSLOG_HEADER", "SIEMSHIP_FORMAT=cef", "SYSLOG_HEADER=none"),
		// SYSLOG_HEADER and its time zone: the header's rules (header.ParseFormat, time.LoadLocation).
		good("SYSLOG_HEADER=rfc5424"), good("SYSLOG_HEADER=RFC3164"), bad("SYSLOG_HEADER=bsd"), good("SYSLOG_HEADER="), // empty: the default
		bad("SYSLOG_HEADER=none"), // kv needs a header
		good("SYSLOG_HEADER=rfc3164", "SYSLOG_RFC3164_TIMEZONE=Asia/Shanghai"),
		good("SYSLOG_HEADER=rfc3164", "SYSLOG_RFC3164_TIMEZONE=UTC"),
		bad("SYSLOG_HEADER=rfc3164", "SYSLOG_RFC3164_TIMEZONE=Mars/Olympus_Mons"),
		bad("SYSLOG_RFC3164_TIMEZONE=UTC"), // not used with rfc5424
		good("SYSLOG_HEADER=rfc3164", "SYSLOG_MAX_MESSAGE_BYTES=480"),
		bad(append(slices.Clone(longHeader), "SYSLOG_HEADER=rfc3164", "SYSLOG_MAX_MESSAGE_BYTES=480")...), // 504 needed

		// SYSLOG_STRUCTURED_DATA: header.ValidateStructuredData.
		good("SYSLOG_STRUCTURED_DATA=-"), good(`SYSLOG_STRUCTURED_DATA=[origin@32473 env="prod"]`),
		good(`SYSLOG_STRUCTURED_DATA=[a@1 k="v" k="w"][meta sequenceId="1"][timeQuality tzKnown="1"]`),
		good(`SYSLOG_STRUCTURED_DATA=[x@32473.1.2 v="a \"q\" \\ \] 日本"]`), good(`SYSLOG_STRUCTURED_DATA=[x@1 v=""]`),
		good(`SYSLOG_STRUCTURED_DATA=[` + r("n", 30) + `@1 ` + r("p", 32) + `="v"]`),
		bad("SYSLOG_STRUCTURED_DATA=env=prod"), bad("SYSLOG_STRUCTURED_DATA=[x]"), bad("SYSLOG_STRUCTURED_DATA=[]"),
		bad("SYSLOG_STRUCTURED_DATA=[x@1"), bad("SYSLOG_STRUCTURED_DATA=[x@1] [y@1]"), bad("SYSLOG_STRUCTURED_DATA=[x@1][x@1]"),
		bad("SYSLOG_STRUCTURED_DATA=--"), bad(`SYSLOG_STRUCTURED_DATA=[x@1 k=v]`), bad(`SYSLOG_STRUCTURED_DATA=[x@1 k="a]b"]`),
		bad(`SYSLOG_STRUCTURED_DATA=[x@1 k="a\b"]`), bad("SYSLOG_STRUCTURED_DATA=[x@1 k=\"a\tb\"]"),
		bad("SYSLOG_STRUCTURED_DATA=[x@1 k=\"a\x7fb\"]"), bad("SYSLOG_STRUCTURED_DATA=[x@1 k=\"a\xffb\"]"),
		bad("SYSLOG_STRUCTURED_DATA=[a[b@1]"), bad("SYSLOG_STRUCTURED_DATA=[x@1.]"), bad("SYSLOG_STRUCTURED_DATA=[x@acme]"),
		bad("SYSLOG_STRUCTURED_DATA=[" + r("n", 31) + "@1]"),

		// The header fields: header.ValidateHostname and the others.
		good("SYSLOG_HOSTNAME=-"), good("SYSLOG_HOSTNAME=" + r("h", 255)), good("SYSLOG_HOSTNAME=fw-01.example.com"),
		bad("SYSLOG_HOSTNAME=" + r("h", 256)), bad("SYSLOG_HOSTNAME=my host"), bad("SYSLOG_HOSTNAME=hôte"),
		good("SYSLOG_APP_NAME=-"), good("SYSLOG_APP_NAME=" + r("a", 48)), good("SYSLOG_TAG=sls"),
		bad("SYSLOG_APP_NAME=" + r("a", 49)), bad("SYSLOG_APP_NAME=a\tb"), bad("SYSLOG_TAG=a b"),
		good("SYSLOG_PROCID=-"), good("SYSLOG_PROCID=" + r("p", 128)), bad("SYSLOG_PROCID=" + r("p", 129)), bad("SYSLOG_PROCID=é"),
		good("SYSLOG_MSGID=-"), good("SYSLOG_MSGID=" + r("m", 32)), bad("SYSLOG_MSGID=" + r("m", 33)), bad("SYSLOG_MSGID=a b"),

		// SYSLOG_FACILITY and SYSLOG_SEVERITY: header.ParseFacility, header.ValidateFacility and the severity ones.
		good("SYSLOG_FACILITY=kern"), good("SYSLOG_FACILITY=0"), good("SYSLOG_FACILITY=23"), good("SYSLOG_FACILITY=LOG_LOCAL7"),
		good("SYSLOG_FACILITY=audit"), bad("SYSLOG_FACILITY=24"), bad("SYSLOG_FACILITY=-1"), bad("SYSLOG_FACILITY=usr"),
		bad("SYSLOG_FACILITY=user.info"),
		good("SYSLOG_SEVERITY=emerg"), good("SYSLOG_SEVERITY=7"), good("SYSLOG_SEVERITY=Warning"), bad("SYSLOG_SEVERITY=8"),
		bad("SYSLOG_SEVERITY=-1"), bad("SYSLOG_SEVERITY=verbose"),

		// SYSLOG_MAX_MESSAGE_BYTES: at least the header's minimum (header.CheckMaxMessageBytes), at most what the
		// protocol carries (syslog.ValidateMaxMessageBytes), per protocol, with short and with long header fields.
		good("SYSLOG_MAX_MESSAGE_BYTES=0"), good("SYSLOG_MAX_MESSAGE_BYTES=480"), good("SYSLOG_MAX_MESSAGE_BYTES=16777216"),
		bad("SYSLOG_MAX_MESSAGE_BYTES=479"), bad("SYSLOG_MAX_MESSAGE_BYTES=16777217"), bad("SYSLOG_MAX_MESSAGE_BYTES=-1"),
		good("SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=480"), good("SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=65507"),
		bad("SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=65508"), bad("SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=479"),
		good("SYSLOG_PROTOCOL=relp", "SYSLOG_MAX_MESSAGE_BYTES=131072"), bad("SYSLOG_PROTOCOL=relp", "SYSLOG_MAX_MESSAGE_BYTES=131073"),
		good(with(tls("relp-tls"), "SYSLOG_MAX_MESSAGE_BYTES=131072")...),
		bad(with(tls("relp-tls"), "SYSLOG_MAX_MESSAGE_BYTES=131073")...),
		good(with(tls("tls"), "SYSLOG_MAX_MESSAGE_BYTES=16777216")...), bad(with(tls("tls"), "SYSLOG_MAX_MESSAGE_BYTES=479")...),
		good(longHeader...), good(with(longHeader, "SYSLOG_MAX_MESSAGE_BYTES="+strconv.Itoa(longMin))...),
		bad(with(longHeader, "SYSLOG_MAX_MESSAGE_BYTES="+strconv.Itoa(longMin-1))...),
		bad(with(longHeader, "SYSLOG_MAX_MESSAGE_BYTES=480")...),
		bad(with(longHeader, "SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=480")...),
		good(with(longHeader, "SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES="+strconv.Itoa(longMin))...),
		badNaming("SYSLOG_MAX_MESSAGE_BYTES", hugeSD), badNaming("SYSLOG_MAX_MESSAGE_BYTES", "SYSLOG_PROTOCOL=udp", hugeSD),
		good(hugeSD, "SYSLOG_MAX_MESSAGE_BYTES=16777216"), bad(hugeSD, "SYSLOG_MAX_MESSAGE_BYTES=65536"),

		// SYSLOG_PROTOCOL: syslog.ValidateProtocol.
		good("SYSLOG_PROTOCOL=tcp"), good("SYSLOG_PROTOCOL=TCP"), good("SYSLOG_PROTOCOL=udp"), good("SYSLOG_PROTOCOL=relp"),
		good(tls("tls")...), good(tls("relp-tls")...), good("SYSLOG_PROTOCOL=tls"),
		bad("SYSLOG_PROTOCOL=tpc"), bad("SYSLOG_PROTOCOL=relp_tls"), bad("SYSLOG_PROTOCOL=syslog"),

		// SYSLOG_CONFIRM per protocol: syslog.ValidateConfirm and syslog.UsesConfirm.
		good("SYSLOG_CONFIRM=write"), good("SYSLOG_CONFIRM=ack"), good("SYSLOG_CONFIRM=close"), good("SYSLOG_CONFIRM=Close"),
		bad("SYSLOG_CONFIRM=kernel"), good(with(tls("tls"), "SYSLOG_CONFIRM=close")...), good(with(tls("tls"), "SYSLOG_CONFIRM=write")...),
		bad("SYSLOG_PROTOCOL=udp", "SYSLOG_CONFIRM=write"), bad("SYSLOG_PROTOCOL=udp", "SYSLOG_CONFIRM=ack"),
		bad("SYSLOG_PROTOCOL=relp", "SYSLOG_CONFIRM=write"), bad("SYSLOG_PROTOCOL=relp", "SYSLOG_CONFIRM=ack"),
		bad(with(tls("relp-tls"), "SYSLOG_CONFIRM=close")...), bad("SYSLOG_PROTOCOL=udp", "SYSLOG_CONFIRM=kernel"),

		// SYSLOG_FRAMING per protocol: syslog.ValidateFraming and syslog.UsesFraming (ResolveFraming).
		good("SYSLOG_FRAMING=octet"), good("SYSLOG_FRAMING=LF"), good(with(tls("tls"), "SYSLOG_FRAMING=lf")...),
		bad("SYSLOG_FRAMING=newline"), bad("SYSLOG_FRAMING=octet-counting"), bad("SYSLOG_FRAMING=none"),
		bad("SYSLOG_PROTOCOL=udp", "SYSLOG_FRAMING=lf"), bad("SYSLOG_PROTOCOL=relp", "SYSLOG_FRAMING=octet"),
		bad(with(tls("relp-tls"), "SYSLOG_FRAMING=lf")...),

		// SYSLOG_BALANCE, SYSLOG_CONNECTIONS, SYSLOG_RELP_WINDOW: the sink's.
		good("SYSLOG_BALANCE=failover"), good("SYSLOG_BALANCE=RoundRobin"), bad("SYSLOG_BALANCE=random"),
		good("SYSLOG_CONNECTIONS=1"), good("SYSLOG_CONNECTIONS=64"), bad("SYSLOG_CONNECTIONS=65"), bad("SYSLOG_CONNECTIONS=0"),
		bad("SYSLOG_CONNECTIONS=-1"), bad("SYSLOG_CONNECTIONS=many"),
		good("SYSLOG_RELP_WINDOW=1"), good("SYSLOG_PROTOCOL=relp", "SYSLOG_RELP_WINDOW=4096"), bad("SYSLOG_PROTOCOL=relp", "SYSLOG_RELP_WINDOW=4097"),
		bad("SYSLOG_RELP_WINDOW=0"), bad("SYSLOG_RELP_WINDOW=-1"), bad("SYSLOG_RELP_WINDOW=4097"),

		// SYSLOG_HOST and SYSLOG_PORT: config's list syntax (also what app.NewSyslogClient reads, SyslogAddrs), the
		// sink's number of destinations.
		good("SYSLOG_HOST=10.0.0.5"), good("SYSLOG_HOST=siem-a,siem-b:1514,[2001:db8::1]:6514,::1"), good(hosts(16)),
		bad(hosts(17)), bad("SYSLOG_HOST=a,,b"), bad("SYSLOG_HOST=a,"), bad("SYSLOG_HOST=a:0"), bad("SYSLOG_HOST=a:65536"),
		bad("SYSLOG_HOST=[::1"), bad("SYSLOG_HOST=[siem]:1"), bad("SYSLOG_HOST=a b"), bad("SYSLOG_HOST=tcp://siem:514"),
		good("SYSLOG_PORT=1"), good("SYSLOG_PORT=65535"), bad("SYSLOG_PORT=0"), bad("SYSLOG_PORT=65536"),

		// Timeouts.
		good("SYSLOG_DIAL_TIMEOUT=1ms"), bad("SYSLOG_DIAL_TIMEOUT=0s"), bad("SYSLOG_DIAL_TIMEOUT=-1s"),
		good("SYSLOG_WRITE_TIMEOUT=1s"), bad("SYSLOG_WRITE_TIMEOUT=0s"), bad("SYSLOG_WRITE_TIMEOUT=-5s"),

		// TLS: the sink reads the files (syslog.CheckTLSFiles, NewTLSConfig) and checks the server name.
		good(with(tls("tls"), "SYSLOG_TLS_CERT_FILE="+tf.ClientCert, "SYSLOG_TLS_KEY_FILE="+tf.ClientKey)...),
		good(with(tls("tls"), "SYSLOG_TLS_SERVER_NAME=siem.internal")...), good("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=true"),
		bad("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_CA_FILE="+tf.CA+".missing"), bad("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_CA_FILE="+tf.ClientKey),
		bad(with(tls("tls"), "SYSLOG_TLS_CERT_FILE="+tf.ClientCert, "SYSLOG_TLS_KEY_FILE="+tf.ServerKey)...),
		badNaming("SYSLOG_TLS_KEY_FILE", with(tls("relp-tls"), "SYSLOG_TLS_CERT_FILE="+tf.ClientCert)...),
		bad(with(tls("tls"), "SYSLOG_TLS_SERVER_NAME=siem internal")...), bad("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=yes"),
		bad("SYSLOG_TLS_CA_FILE=" + tf.CA), bad("SYSLOG_PROTOCOL=udp", "SYSLOG_TLS_SERVER_NAME=siem"),
		bad("SYSLOG_PROTOCOL=relp", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=true"),
	}
	return cases
}

// TestCheckAndRunAgree: every value of every variable that goes into building a component gets the same verdict
// from siemship check and siemship run. Both load the configuration (config.Load), which applies the components'
// own rules (header.Validate*, kv.ValidateSeparator, syslog.Validate*) and names the variable in every problem;
// the test builds the components (app.New, as run does after loading) from the same values without config's
// checks, and wants them to succeed exactly when config accepts: a value config accepts never fails run at start,
// and a value config refuses is refused by the component whose rule it is (save the few configOnly explains).
func TestCheckAndRunAgree(t *testing.T) {
	cases := agreeCases(t)
	covered := map[string]bool{}
	excused := 0
	for _, tc := range cases {
		name := fmt.Sprintf("%q", strings.Join(tc.env, " "))
		if len(name) > 90 {
			name = name[:90]
		}
		t.Run(name, func(t *testing.T) {
			set := map[string]bool{}
			for _, e := range tc.env {
				k, _, _ := strings.Cut(e, "=")
				set[k], covered[k] = true, true
			}
			v := judge(t, agreeEnv(tc.env))
			if v.load == nil && v.build != nil {
				t.Errorf("check accepts it, run fails at start: %v", v.build)
			}
			if (v.load == nil) != tc.ok {
				t.Errorf("config.Load: %v; want ok %v", v.load, tc.ok)
			}
			if v.load == nil {
				return
			}
			want := tc.name
			if want == "" {
				want, _, _ = strings.Cut(tc.env[len(tc.env)-1], "=")
			}
			var why []string
			for _, e := range varErrors(t, v.load) {
				if e.Name != want {
					t.Errorf("problem %q names %s, want %s", e, e.Name, want)
				}
				if v.cfg != nil {
					why = append(why, configOnly(v.cfg, e.Name))
				}
			}
			switch {
			case v.cfg == nil: // does not decode: no component sees it
			case v.build != nil:
			case slices.Contains(why, "") || len(why) == 0:
				t.Errorf("config refuses it (%v), the components take it: a rule stated twice?", v.load)
			default:
				excused++
				t.Logf("config alone refuses it (%v): %s", v.load, strings.Join(why, "; "))
			}
		})
	}
	for _, v := range config.Reference() {
		if strings.HasPrefix(v.Name, "SYSLOG_") && !covered[v.Name] {
			t.Errorf("no case sets %s", v.Name)
		}
	}
	t.Logf("%d cases, %d refused by config alone (configOnly)", len(cases), excused)
}

// FuzzCheckAndRunAgree sets two SYSLOG_ variables to arbitrary values on top of a protocol: whatever config
// accepts, the components build (check never accepts what fails run); whatever it refuses it reports as
// *VarError; and what it refuses while the components build is excused by configOnly.
func FuzzCheckAndRunAgree(f *testing.F) {
	var names []string
	for _, v := range config.Reference() {
		if strings.HasPrefix(v.Name, "SYSLOG_") && !strings.HasPrefix(v.Name, "SYSLOG_TLS_") {
			names = append(names, v.Name)
		}
	}
	protocols := []string{"tcp", "tls", "udp", "relp", "relp-tls"}
	for _, c := range agreeCases(f) {
		if len(c.env) > 2 || len(strings.Join(c.env, "")) > 600 {
			continue // the long ones make minimizing slow; the fuzzer grows values by itself
		}
		var idx [2]uint8
		var val [2]string
		for i, e := range c.env {
			k, v, _ := strings.Cut(e, "=")
			idx[i], val[i] = uint8(max(slices.Index(names, k), 0)), v
		}
		f.Add(uint8(0), idx[0], val[0], idx[1], val[1])
	}
	f.Fuzz(func(t *testing.T, p, i1 uint8, v1 string, i2 uint8, v2 string) {
		env := []string{"SYSLOG_PROTOCOL=" + protocols[int(p)%len(protocols)],
			names[int(i1)%len(names)] + "=" + v1, names[int(i2)%len(names)] + "=" + v2}
		v := judge(t, agreeEnv(env))
		if v.load == nil {
			if v.build != nil {
				t.Fatalf("%q: check accepts it, run fails at start: %v", env, v.build)
			}
			return
		}
		var why []string
		for _, e := range varErrors(t, v.load) {
			if !strings.HasPrefix(e.Name, "SYSLOG_") {
				t.Errorf("%q: problem names %s: %v", env, e.Name, e)
			}
			if v.cfg != nil {
				why = append(why, configOnly(v.cfg, e.Name))
			}
		}
		if v.cfg != nil && v.build == nil && (len(why) == 0 || slices.Contains(why, "")) {
			t.Fatalf("%q: config refuses it (%v), the components take it", env, v.load)
		}
	})
}
