package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, required)
	want := Config{
		SLS: SLS{
			Endpoint: "cn-hangzhou.log.aliyuncs.com", AccessKeyID: "LTAI5tExampleKeyId",
			AccessKeySecret: NewSecret("s3cr3tAccessKeyValue"), Project: "my-project", Logstore: "my_logstore",
			ConsumerGroup: "siem", ConsumerName: testHost, CursorStart: CursorStart{Kind: CursorBegin},
			HeartbeatInterval: 20 * time.Second, HeartbeatTimeout: 60 * time.Second,
			FetchInterval: 200 * time.Millisecond, MaxFetchLogGroups: 1000, Compress: CompressLZ4, AuthVersion: AuthV1, ExpiredCursor: ExpiredBegin,
		},
		Syslog: Syslog{
			Host: "siem.example.com", Port: 514, Protocol: ProtocolTCP, Facility: 1, Severity: 6,
			Hostname: testHost, AppName: "-", ProcID: "-", MsgID: "-", Sep: "||", Connections: 1,
			Balance: BalanceFailover, RELPWindow: 128, DialTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
			Header: "rfc5424",
		},
		HEC: HEC{HECSourcetype: "_json", HECAck: "auto", HECAckTimeout: 2 * time.Minute, HECMaxRequestBytes: 2097152,
			HECMaxEvents: 10000},
		Output: Output{Destination: "syslog", Format: "kv", CEFVendor: "Alibaba Cloud", CEFProduct: "SLS", CEFVersion: "1", CEFSeverity: 3,
			LEEFVersion: "2.0", LEEFVendor: "Alibaba Cloud", LEEFProduct: "SLS", LEEFProductVersion: "1.0", LEEFEventID: "log"},
		Runtime: Runtime{
			LogLevel: zapcore.InfoLevel, LogFormat: LogFormatJSON, ShutdownTimeout: 20 * time.Second,
			RetryInitialBackoff: 500 * time.Millisecond, RetryMaxBackoff: 30 * time.Second, MemoryLimit: 256 << 20,
		},
	}
	if *c != want {
		t.Errorf("defaults:\n got %v\nwant %v", c, &want)
	}
	if c.AccessKeySecret.Reveal() != "s3cr3tAccessKeyValue" {
		t.Errorf("secret not kept")
	}
	if got, _ := c.SyslogAddrs(); !slices.Equal(got, []string{"siem.example.com:514"}) {
		t.Errorf("SyslogAddrs = %v", got)
	}
	if c.EffectiveFraming() != FramingLF || c.EffectiveMaxMessageBytes() != 65536 || c.EffectiveConfirm() != ConfirmAck {
		t.Errorf("framing %q, max bytes %d", c.EffectiveFraming(), c.EffectiveMaxMessageBytes())
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings for the defaults: %q", w)
	}
}

// TestLoadEachVariable sets every variable to a non-default value and checks where it lands.
func TestLoadEachVariable(t *testing.T) {
	tf := tlsFiles(t) // Load reads the TLS files
	dir := t.TempDir()
	akFile := filepath.Join(dir, "ak")
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, akFile, "fromFileSecret\n")
	writeFile(t, tokenFile, "CAIS.token+/=\r\n")

	tests := []struct {
		env   []string
		check func(c *Config) bool
	}{
		{env("SLS_ENDPOINT=https://cn-beijing.log.aliyuncs.com"), func(c *Config) bool { return c.Endpoint == "https://cn-beijing.log.aliyuncs.com" }},
		{env("SLS_ENDPOINT=http://127.0.0.1:8080"), func(c *Config) bool { return c.Endpoint == "http://127.0.0.1:8080" }},
		{env("SLS_AK_ID=other"), func(c *Config) bool { return c.AccessKeyID == "other" }},
		{env("SLS_AK_KEY=other"), func(c *Config) bool { return c.AccessKeySecret.Reveal() == "other" }},
		{env("-SLS_AK_KEY", "SLS_AK_KEY_FILE="+akFile), func(c *Config) bool { return c.AccessKeySecret.Reveal() == "fromFileSecret" }},
		{env("SLS_SECURITY_TOKEN=tok"), func(c *Config) bool { return c.SecurityToken.Reveal() == "tok" }},
		{env("SLS_SECURITY_TOKEN_FILE=" + tokenFile), func(c *Config) bool { return c.SecurityToken.Reveal() == "CAIS.token+/=" }},
		{env("SLS_PROJECT=p-2"), func(c *Config) bool { return c.Project == "p-2" }},
		{env("SLS_LOGSTORE=other"), func(c *Config) bool { return c.Logstore == "other" }},
		{env("SLS_CG=group-2"), func(c *Config) bool { return c.ConsumerGroup == "group-2" }},
		{env("SLS_CONSUMER_NAME=pod-7"), func(c *Config) bool { return c.ConsumerName == "pod-7" }},
		{env("SLS_CURSOR_START=end"), func(c *Config) bool { return c.CursorStart == CursorStart{Kind: CursorEnd} }},
		{env("SLS_CURSOR_START=BEGIN"), func(c *Config) bool { return c.CursorStart == CursorStart{Kind: CursorBegin} }},
		{env("SLS_CURSOR_START=2026-01-02T15:04:05+08:00"), func(c *Config) bool {
			return c.CursorStart == CursorStart{Kind: CursorTime, Unix: time.Date(2026, 1, 2, 7, 4, 5, 0, time.UTC).Unix()}
		}},
		{env("SLS_CURSOR_START=1700000000"), func(c *Config) bool { return c.CursorStart == CursorStart{Kind: CursorTime, Unix: 1700000000} }},
		{env("SLS_QUERY=* | where a = 'x'"), func(c *Config) bool { return c.Query == "* | where a = 'x'" }},
		{env("SLS_HEARTBEAT_INTERVAL=5s", "SIEMSHIP_SHUTDOWN_TIMEOUT=10s"), func(c *Config) bool {
			return c.HeartbeatInterval == 5*time.Second && c.HeartbeatTimeout == 15*time.Second
		}},
		{env("SLS_HEARTBEAT_TIMEOUT=2m"), func(c *Config) bool { return c.HeartbeatTimeout == 2*time.Minute }},
		{env("SLS_FETCH_INTERVAL=1s"), func(c *Config) bool { return c.FetchInterval == time.Second }},
		{env("SLS_MAX_FETCH_LOG_GROUPS=1"), func(c *Config) bool { return c.MaxFetchLogGroups == 1 }},
		{env("SLS_COMPRESS=ZSTD"), func(c *Config) bool { return c.Compress == CompressZSTD }},
		{env("SLS_EXPIRED_CURSOR=Fail"), func(c *Config) bool { return c.ExpiredCursor == ExpiredFail }},
		{env("SLS_AUTH_VERSION=v4", "SLS_REGION=cn-hangzhou"), func(c *Config) bool { return c.AuthVersion == AuthV4 && c.Region == "cn-hangzhou" }},
		{env("SYSLOG_HOST=b:1514"), func(c *Config) bool {
			got, err := c.SyslogAddrs()
			return err == nil && slices.Equal(got, []string{"b:1514"})
		}},
		{env("SYSLOG_HOST=[2001:db8::1]:6514"), func(c *Config) bool {
			got, err := c.SyslogAddrs()
			return err == nil && slices.Equal(got, []string{"[2001:db8::1]:6514"})
		}},
		{env("SYSLOG_HOST=2001:db8::2"), func(c *Config) bool {
			got, err := c.SyslogAddrs()
			return err == nil && slices.Equal(got, []string{"[2001:db8::2]:514"})
		}},
		{env("SYSLOG_PORT=6514"), func(c *Config) bool { return c.Port == 6514 }},
		{env("SYSLOG_PROTOCOL=TLS"), func(c *Config) bool { return c.Protocol == ProtocolTLS && c.EffectiveFraming() == FramingOctet }},
		{env("SYSLOG_PROTOCOL=udp"), func(c *Config) bool {
			return c.Protocol == ProtocolUDP && c.EffectiveFraming() == FramingNone && c.EffectiveMaxMessageBytes() == 65507
		}},
		{env("SYSLOG_FRAMING=octet"), func(c *Config) bool { return c.EffectiveFraming() == FramingOctet }},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_FRAMING=lf"), func(c *Config) bool { return c.EffectiveFraming() == FramingLF }},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_CA_FILE="+tf.CA), func(c *Config) bool { return c.TLSCAFile == tf.CA }},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_CERT_FILE="+tf.ClientCert, "SYSLOG_TLS_KEY_FILE="+tf.ClientKey), func(c *Config) bool {
			return c.TLSCertFile == tf.ClientCert && c.TLSKeyFile == tf.ClientKey
		}},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_SERVER_NAME=siem.internal"), func(c *Config) bool { return c.TLSServerName == "siem.internal" }},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=true"), func(c *Config) bool {
			return c.TLSInsecureSkipVerify && len(c.Warnings()) == 1
		}},
		{env("SYSLOG_FACILITY=local0"), func(c *Config) bool { return c.Facility == 16 && c.Facility.String() == "local0" }},
		{env("SYSLOG_FACILITY=23"), func(c *Config) bool { return c.Facility == 23 }},
		{env("SYSLOG_SEVERITY=warning"), func(c *Config) bool { return c.Severity == 4 }},
		{env("SYSLOG_SEVERITY=0"), func(c *Config) bool { return c.Severity == 0 && c.Severity.String() == "emerg" }},
		{env("SYSLOG_HOSTNAME=fw-01"), func(c *Config) bool { return c.Hostname == "fw-01" }},
		{env("SYSLOG_APP_NAME=sls"), func(c *Config) bool { return c.AppName == "sls" }},
		{env("SYSLOG_TAG=sls"), func(c *Config) bool { return c.AppName == "sls" }},
		{env("SYSLOG_TAG=sls", "SYSLOG_APP_NAME=sls"), func(c *Config) bool { return c.AppName == "sls" }},
		{env("SYSLOG_PROCID=1234"), func(c *Config) bool { return c.ProcID == "1234" }},
		{env("SYSLOG_MSGID=AUDIT"), func(c *Config) bool { return c.MsgID == "AUDIT" }},
		{env(`SYSLOG_STRUCTURED_DATA=[origin@32473 env="prod"][meta sequenceId="1"]`), func(c *Config) bool {
			return c.StructuredData == `[origin@32473 env="prod"][meta sequenceId="1"]`
		}},
		{env("SYSLOG_STRUCTURED_DATA=-"), func(c *Config) bool { return c.StructuredData == "-" }},
		{env("SYSLOG_SEP=|"), func(c *Config) bool { return c.Sep == "|" }},
		{env("SYSLOG_MAX_MESSAGE_BYTES=8192"), func(c *Config) bool { return c.EffectiveMaxMessageBytes() == 8192 }},
		{env("SYSLOG_MAX_MESSAGE_BYTES=0"), func(c *Config) bool { return c.EffectiveMaxMessageBytes() == 65536 }},
		{env("SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=1400"), func(c *Config) bool { return c.EffectiveMaxMessageBytes() == 1400 }},
		{env("SYSLOG_CONNECTIONS=4"), func(c *Config) bool { return c.Connections == 4 }},
		{env("SYSLOG_PROTOCOL=relp"), func(c *Config) bool {
			return c.Protocol == ProtocolRELP && c.EffectiveFraming() == FramingNone && c.EffectiveConfirm() == ""
		}},
		{env("SYSLOG_PROTOCOL=RELP-TLS", "SYSLOG_TLS_CA_FILE="+tf.CA, "SYSLOG_RELP_WINDOW=1024"), func(c *Config) bool {
			return c.Protocol == ProtocolRELPTLS && c.TLSCAFile == tf.CA && c.RELPWindow == 1024
		}},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_CONFIRM=Close"), func(c *Config) bool { return c.EffectiveConfirm() == ConfirmClose }},
		{env("SYSLOG_CONFIRM=write"), func(c *Config) bool { return c.EffectiveConfirm() == ConfirmWrite }},
		{env("SYSLOG_HOST=a,b:1514,[::1]", "SYSLOG_BALANCE=roundrobin"), func(c *Config) bool {
			a, err := c.SyslogAddrs()
			return err == nil && slices.Equal(a, []string{"a:514", "b:1514", "[::1]:514"}) && c.Balance == BalanceRoundRobin
		}},
		{env("SYSLOG_DIAL_TIMEOUT=1s"), func(c *Config) bool { return c.DialTimeout == time.Second }},
		{env("SYSLOG_WRITE_TIMEOUT=1m"), func(c *Config) bool { return c.WriteTimeout == time.Minute }},
		{env("SIEMSHIP_LOG_LEVEL=debug"), func(c *Config) bool { return c.LogLevel == zapcore.DebugLevel }},
		{env("SIEMSHIP_LOG_LEVEL=ERROR"), func(c *Config) bool { return c.LogLevel == zapcore.ErrorLevel }},
		{env("SIEMSHIP_LOG_FORMAT=console"), func(c *Config) bool { return c.LogFormat == LogFormatConsole }},
		{env("SIEMSHIP_SHUTDOWN_TIMEOUT=59s"), func(c *Config) bool { return c.ShutdownTimeout == 59*time.Second }},
		{env("SIEMSHIP_RETRY_INITIAL_BACKOFF=1s"), func(c *Config) bool { return c.RetryInitialBackoff == time.Second }},
		{env("SIEMSHIP_RETRY_MAX_BACKOFF=5m"), func(c *Config) bool { return c.RetryMaxBackoff == 5*time.Minute }},
		// Kubernetes service links for a Service named siemship or syslog-recv are not ours.
		{env("SIEMSHIP_SERVICE_HOST=10.0.0.7", "SIEMSHIP_SERVICE_PORT=9090", "SIEMSHIP_SERVICE_PORT_METRICS=9090",
			"SIEMSHIP_PORT=tcp://10.0.0.7:9090", "SIEMSHIP_PORT_9090_TCP=tcp://10.0.0.7:9090",
			"SIEMSHIP_PORT_9090_TCP_PROTO=tcp", "SIEMSHIP_PORT_9090_TCP_PORT=9090", "SIEMSHIP_PORT_9090_TCP_ADDR=10.0.0.7",
			"SYSLOG_RECV_SERVICE_HOST=fd00::1", "SYSLOG_RECV_PORT_514_UDP_ADDR=fd00::1"),
			func(c *Config) bool { return true }},
		// Empty means unset; the first occurrence of a name wins, as with os.Getenv.
		{env("SYSLOG_PORT=", "SIEMSHIP_LOG_FORMAT="), func(c *Config) bool { return c.Port == 514 && c.LogFormat == LogFormatJSON }},
		{append(env("SYSLOG_PORT=1514"), "SYSLOG_PORT=bad", "NOEQUALS", "=x"), func(c *Config) bool { return c.Port == 1514 }},
		// Variables of other programs are none of our business.
		{env("PATH=/bin", "SLSX=1", "ALIBABA_CLOUD_ACCESS_KEY_ID=x"), func(c *Config) bool { return true }},
	}
	for _, tt := range tests {
		name := strings.Join(tt.env[len(required)-1:], " ")
		t.Run(name, func(t *testing.T) {
			c := mustLoad(t, tt.env)
			if !tt.check(c) {
				t.Errorf("unexpected config: %v", c)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate after Load: %v", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tf := tlsFiles(t) // Load reads the TLS files
	dir := t.TempDir()
	ws := filepath.Join(dir, "ws")
	writeFile(t, ws, "with space\n")
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "\n")
	big := filepath.Join(dir, "big")
	writeFile(t, big, strings.Repeat("x", maxSecretFileBytes+1))
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		env  []string
		want string // one problem, exactly
	}{
		{env("-SLS_ENDPOINT"), `SLS_ENDPOINT: required, not set`},
		{env("SIEMSHIP_MEMORY_LIMIT=512"), `SIEMSHIP_MEMORY_LIMIT="512": needs a unit, such as 512MiB or 512GiB`},
		{env("SIEMSHIP_MEMORY_LIMIT=lots"), `SIEMSHIP_MEMORY_LIMIT="lots": must be a size such as 256MiB, 512MiB or 1GiB (units B, KiB, MiB, GiB, TiB; KB, MB, GB, TB count in powers of 1000)`},
		{env("SIEMSHIP_MEMORY_LIMIT=32MiB"), `SIEMSHIP_MEMORY_LIMIT="32MiB": must be at least 64MiB: siemship itself needs about 20 MiB besides the batches it holds; give it 256MiB or more`},
		{env("-SLS_AK_ID"), `SLS_AK_ID: required, not set`},
		{env("-SLS_AK_KEY"), `SLS_AK_KEY: required, not set (set it or SLS_AK_KEY_FILE)`},
		{env("-SLS_PROJECT"), `SLS_PROJECT: required, not set`},
		{env("-SLS_LOGSTORE"), `SLS_LOGSTORE: required, not set`},
		{env("-SLS_CG"), `SLS_CG: required, not set`},
		{env("-SYSLOG_HOST"), `SYSLOG_HOST: required, not set`},
		{env("SLS_ENDPOINT=ftp://x"), `SLS_ENDPOINT="ftp://x": must be a host name such as cn-hangzhou.log.aliyuncs.com, optionally with http:// or https://`},
		{env("SLS_ENDPOINT=https://x/path"), `SLS_ENDPOINT="https://x/path": must be a host name such as cn-hangzhou.log.aliyuncs.com, optionally with http:// or https://, without a path`},
		{env("SLS_AK_ID=id\n"), `SLS_AK_ID="id\n": must not contain spaces or control characters (a stray newline or space?)`},
		{env("SLS_AK_KEY=key "), `SLS_AK_KEY=[redacted]: must not contain spaces or control characters (a stray newline or space?)`},
		{env("SLS_SECURITY_TOKEN=a\tb"), `SLS_SECURITY_TOKEN=[redacted]: must not contain spaces or control characters (a stray newline or space?)`},
		{env("SLS_AK_KEY_FILE=/x"), `SLS_AK_KEY_FILE="/x": set only one of SLS_AK_KEY and SLS_AK_KEY_FILE`},
		{env("-SLS_AK_KEY", "SLS_AK_KEY_FILE="+missing), `SLS_AK_KEY_FILE="` + missing + `": cannot read the file: open ` + missing + `: no such file or directory`},
		{env("-SLS_AK_KEY", "SLS_AK_KEY_FILE="+empty), `SLS_AK_KEY_FILE="` + empty + `": the file is empty`},
		{env("-SLS_AK_KEY", "SLS_AK_KEY_FILE="+big), `SLS_AK_KEY_FILE="` + big + `": the file is larger than 64 KiB; is it the right file?`},
		{env("-SLS_AK_KEY", "SLS_AK_KEY_FILE="+ws), `SLS_AK_KEY_FILE="` + ws + `": the file's content must not contain spaces or control characters (a stray newline or space?)`},
		{env("SLS_SECURITY_TOKEN=t", "SLS_SECURITY_TOKEN_FILE="+ws), `SLS_SECURITY_TOKEN_FILE="` + ws + `": set only one of SLS_SECURITY_TOKEN and SLS_SECURITY_TOKEN_FILE`},
		{env("SLS_PROJECT=My_Project"), `SLS_PROJECT="My_Project": must be 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen (it is part of a host name)`},
		{env("SLS_LOGSTORE=a/b"), `SLS_LOGSTORE="a/b": must not contain spaces, control characters or any of / ? # %`},
		{env("SLS_CG=a b"), `SLS_CG="a b": must not contain spaces, control characters or any of / ? # %`},
		{env("SLS_CONSUMER_NAME=a?b"), `SLS_CONSUMER_NAME="a?b": must not contain spaces, control characters or any of / ? # %`},
		{env("SLS_CURSOR_START=yesterday"), `SLS_CURSOR_START="yesterday": must be begin, end, an RFC 3339 time such as 2026-01-02T15:04:05Z, or unix seconds`},
		{env("SLS_CURSOR_START=1700000000000"), `SLS_CURSOR_START="1700000000000": unix seconds too large (milliseconds?); must be begin, end, an RFC 3339 time such as 2026-01-02T15:04:05Z, or unix seconds`},
		{env("SLS_HEARTBEAT_INTERVAL=20"), `SLS_HEARTBEAT_INTERVAL="20": needs a unit, such as 20s or 20ms`},
		{env("SLS_HEARTBEAT_INTERVAL=soon"), `SLS_HEARTBEAT_INTERVAL="soon": must be a duration such as 500ms, 20s or 1m30s`},
		{env("SLS_HEARTBEAT_INTERVAL=1500ms"), `SLS_HEARTBEAT_INTERVAL="1500ms": must be a whole number of seconds`},
		{env("SLS_HEARTBEAT_INTERVAL=500ms", "SLS_HEARTBEAT_TIMEOUT=30s"), `SLS_HEARTBEAT_INTERVAL="500ms": must be at least 1s`},
		{env("SLS_HEARTBEAT_INTERVAL=0.5s", "SLS_HEARTBEAT_TIMEOUT=30s"), `SLS_HEARTBEAT_INTERVAL="0.5s": must be at least 1s`},
		{env("SYSLOG_PROTOCOL=TLS", "SYSLOG_CONFIRM=ack", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=TRUE", "SYSLOG_PORT=0"), `SYSLOG_PORT="0": must be 1 to 65535`},
		{env("SLS_HEARTBEAT_TIMEOUT=20s", "SIEMSHIP_SHUTDOWN_TIMEOUT=10s"), `SLS_HEARTBEAT_TIMEOUT="20s": must be greater than SLS_HEARTBEAT_INTERVAL (20s)`},
		{env("SLS_HEARTBEAT_TIMEOUT=60.5s"), `SLS_HEARTBEAT_TIMEOUT="60.5s": must be a whole number of seconds`},
		{env("SLS_FETCH_INTERVAL=0s"), `SLS_FETCH_INTERVAL="0s": must be at least 1ms`},
		{env("SLS_FETCH_INTERVAL=1500us"), `SLS_FETCH_INTERVAL="1500us": must be a whole number of milliseconds`},
		{env("SLS_MAX_FETCH_LOG_GROUPS=1001"), `SLS_MAX_FETCH_LOG_GROUPS="1001": must be 1 to 1000`},
		{env("SLS_MAX_FETCH_LOG_GROUPS=0"), `SLS_MAX_FETCH_LOG_GROUPS="0": must be 1 to 1000`},
		{env("SLS_MAX_FETCH_LOG_GROUPS=many"), `SLS_MAX_FETCH_LOG_GROUPS="many": must be a whole number`},
		{env("SLS_COMPRESS=gzip"), `SLS_COMPRESS="gzip": must be one of lz4, zstd`},
		{env("SLS_EXPIRED_CURSOR=skip"), `SLS_EXPIRED_CURSOR="skip": must be one of begin, end, fail`},
		{env("SLS_AUTH_VERSION=v2"), `SLS_AUTH_VERSION="v2": must be one of v1, v4`},
		{env("SLS_AUTH_VERSION=v4"), `SLS_REGION: required with SLS_AUTH_VERSION=v4`},
		{env("SLS_AUTH_VERSION=v4", "SLS_REGION=cn hangzhou"), `SLS_REGION="cn hangzhou": must not contain spaces or control characters`},
		{env("SYSLOG_HOST=a,,b"), `SYSLOG_HOST="a,,b": empty entry (a stray comma?)`},
		{env("SYSLOG_HOST=" + strings.Repeat("a,", 16) + "a"), `SYSLOG_HOST="` + strings.Repeat("a,", 16) + `a": must list 1 to 16 destinations, not 17`},
		{env("SYSLOG_CONFIRM=kernel"), `SYSLOG_CONFIRM="kernel": must be one of write, ack, close`},
		{env("SYSLOG_PROTOCOL=relp", "SYSLOG_CONFIRM=ack"), `SYSLOG_CONFIRM="ack": only used with SYSLOG_PROTOCOL=tcp or tls, not relp (relp confirms every message, udp cannot)`},
		{env("SYSLOG_PROTOCOL=relp", "SYSLOG_FRAMING=octet"), `SYSLOG_FRAMING="octet": not used with SYSLOG_PROTOCOL=relp; unset it`},
		{env("SYSLOG_PROTOCOL=relp", "SYSLOG_MAX_MESSAGE_BYTES=200000"), `SYSLOG_MAX_MESSAGE_BYTES="200000": must be 480 to 131072 for relp (or 0 for the default)`},
		{env("SYSLOG_BALANCE=random"), `SYSLOG_BALANCE="random": must be one of failover, roundrobin`},
		{env("SYSLOG_RELP_WINDOW=0"), `SYSLOG_RELP_WINDOW="0": must be 1 to 4096`},
		{env("SYSLOG_HOST=a:0"), `SYSLOG_HOST="a:0": "a:0": port must be 1 to 65535`},
		{env("SYSLOG_HOST=[::1"), `SYSLOG_HOST="[::1": "[::1": missing ] after the IPv6 address`},
		{env("SYSLOG_PORT=0"), `SYSLOG_PORT="0": must be 1 to 65535`},
		{env("SYSLOG_PORT=65536"), `SYSLOG_PORT="65536": must be 1 to 65535`},
		{env("SYSLOG_PORT=tcp://10.0.0.5:514"), `SYSLOG_PORT="tcp://10.0.0.5:514": must be a whole number; this looks like a Kubernetes service link (from a Service named syslog): set SYSLOG_PORT explicitly or enableServiceLinks: false in the pod spec`},
		{env("SYSLOG_PROTOCOL=tpc"), `SYSLOG_PROTOCOL="tpc": must be one of tcp, tls, udp, relp, relp-tls`},
		{env("SYSLOG_FRAMING=octet-counting"), `SYSLOG_FRAMING="octet-counting": must be one of octet, lf`},
		{env("SYSLOG_PROTOCOL=udp", "SYSLOG_FRAMING=lf"), `SYSLOG_FRAMING="lf": not used with SYSLOG_PROTOCOL=udp; unset it`},
		{env("SYSLOG_TLS_CA_FILE=/ca.pem"), `SYSLOG_TLS_CA_FILE="/ca.pem": only used with SYSLOG_PROTOCOL=tls or relp-tls, not tcp`},
		{env("SYSLOG_PROTOCOL=udp", "SYSLOG_TLS_SERVER_NAME=x"), `SYSLOG_TLS_SERVER_NAME="x": only used with SYSLOG_PROTOCOL=tls or relp-tls, not udp`},
		{env("SYSLOG_TLS_INSECURE_SKIP_VERIFY=true"), `SYSLOG_TLS_INSECURE_SKIP_VERIFY="true": only used with SYSLOG_PROTOCOL=tls or relp-tls, not tcp`},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=yes"), `SYSLOG_TLS_INSECURE_SKIP_VERIFY="yes": must be true or false`},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_CERT_FILE="+tf.ClientCert), `SYSLOG_TLS_KEY_FILE: required when SYSLOG_TLS_CERT_FILE is set`},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_KEY_FILE="+tf.ClientKey), `SYSLOG_TLS_CERT_FILE: required when SYSLOG_TLS_KEY_FILE is set`},
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_SERVER_NAME=a b"), `SYSLOG_TLS_SERVER_NAME="a b": must not contain spaces or control characters`},
		{env("SYSLOG_FACILITY=usr"), `SYSLOG_FACILITY="usr": ` + facilityMsg},
		{env("SYSLOG_FACILITY=24"), `SYSLOG_FACILITY="24": ` + facilityMsg},
		{env("SYSLOG_SEVERITY=8"), `SYSLOG_SEVERITY="8": ` + severityMsg},
		{env("SYSLOG_HOSTNAME=my host"), `SYSLOG_HOSTNAME="my host": must be 1 to 255 printable US-ASCII characters without spaces (RFC 5424 HOSTNAME), or - for none`},
		{env("SYSLOG_APP_NAME=" + strings.Repeat("a", 49)), `SYSLOG_APP_NAME="` + strings.Repeat("a", 49) + `": must be 1 to 48 printable US-ASCII characters without spaces (RFC 5424 APP-NAME), or - for none`},
		{env("SYSLOG_TAG=a b"), `SYSLOG_TAG="a b": must be 1 to 48 printable US-ASCII characters without spaces (RFC 5424 APP-NAME), or - for none`},
		{env("SYSLOG_TAG=a", "SYSLOG_APP_NAME=b"), `SYSLOG_TAG="a": is another name for SYSLOG_APP_NAME, which is set to "b"; set only one`},
		{env("SYSLOG_PROCID=é"), `SYSLOG_PROCID="é": must be 1 to 128 printable US-ASCII characters without spaces (RFC 5424 PROCID), or - for none`},
		{env("SYSLOG_MSGID=" + strings.Repeat("m", 33)), `SYSLOG_MSGID="` + strings.Repeat("m", 33) + `": must be 1 to 32 printable US-ASCII characters without spaces (RFC 5424 MSGID), or - for none`},
		{env("SYSLOG_STRUCTURED_DATA=env=prod"), `SYSLOG_STRUCTURED_DATA="env=prod": must be RFC 5424 STRUCTURED-DATA such as [origin@32473 env="prod"]: expected [ at byte 1`},
		{env("SYSLOG_SEP=\n"), `SYSLOG_SEP="\n": must not contain a line break`},
		{env("SYSLOG_SEP=abc"), `SYSLOG_SEP="abc": must not start with a letter or digit (its escape would read as \n, \r, \t or \x); use e.g. || or ;`},
		{env("SYSLOG_SEP=|="), `SYSLOG_SEP="|=": must be printable ASCII (space included) without \ and =, such as || or ;, and '=' is not`},
		{env("SYSLOG_SEP=" + strings.Repeat("|", 17)), `SYSLOG_SEP="` + strings.Repeat("|", 17) + `": must be at most 16 bytes, not 17`},
		{env("SYSLOG_STRUCTURED_DATA=[x@1 k=\"a\tb\"]"), `SYSLOG_STRUCTURED_DATA="[x@1 k=\"a\tb\"]": must be RFC 5424 STRUCTURED-DATA such as [origin@32473 env="prod"]: value of k: control character '\t' is not allowed`},
		{env("SYSLOG_MAX_MESSAGE_BYTES=100"), `SYSLOG_MAX_MESSAGE_BYTES="100": must be 480 to 16777216 for tcp (or 0 for the default)`},
		{env("SYSLOG_PROTOCOL=udp", "SYSLOG_MAX_MESSAGE_BYTES=65536"), `SYSLOG_MAX_MESSAGE_BYTES="65536": must be 480 to 65507 for udp (or 0 for the default)`},
		{env("SYSLOG_HOSTNAME="+strings.Repeat("h", 255), "SYSLOG_APP_NAME="+strings.Repeat("a", 48), "SYSLOG_PROCID="+strings.Repeat("p", 128), "SYSLOG_MAX_MESSAGE_BYTES=535"),
			`SYSLOG_MAX_MESSAGE_BYTES="535": must be 536 to 16777216 for tcp (or 0 for the default): the header and structured data take 472 bytes and a message needs 64 more`},
		{env("SYSLOG_PROTOCOL=udp", `SYSLOG_STRUCTURED_DATA=[x@1 k="`+strings.Repeat("v", 65500)+`"]`),
			`SYSLOG_MAX_MESSAGE_BYTES="65507" (default): cannot hold a message over udp (at most 65507 bytes): the header and structured data alone take 65570 bytes; shorten SYSLOG_STRUCTURED_DATA`},
		{env(`SYSLOG_STRUCTURED_DATA=[x@1 k="` + strings.Repeat("v", 65500) + `"]`),
			`SYSLOG_MAX_MESSAGE_BYTES="65536" (default): must be 65634 to 16777216 for tcp: the header and structured data take 65570 bytes and a message needs 64 more`},
		{env("SYSLOG_PROTOCOL=udp", "SYSLOG_CONFIRM=write"), `SYSLOG_CONFIRM="write": only used with SYSLOG_PROTOCOL=tcp or tls, not udp (relp confirms every message, udp cannot)`},
		{env("SYSLOG_RELP_WINDOW=4097"), `SYSLOG_RELP_WINDOW="4097": must be 1 to 4096`},
		{env("SYSLOG_FRAMING=newline"), `SYSLOG_FRAMING="newline": must be one of octet, lf`},
		{env("SYSLOG_CONNECTIONS=0"), `SYSLOG_CONNECTIONS="0": must be 1 to 64`},
		{env("SYSLOG_CONNECTIONS=65"), `SYSLOG_CONNECTIONS="65": must be 1 to 64`},
		{env("SYSLOG_DIAL_TIMEOUT=0s"), `SYSLOG_DIAL_TIMEOUT="0s": must be greater than 0`},
		{env("SYSLOG_WRITE_TIMEOUT=-1s"), `SYSLOG_WRITE_TIMEOUT="-1s": must be greater than 0`},
		{env("SIEMSHIP_LOG_LEVEL=verbose"), `SIEMSHIP_LOG_LEVEL="verbose": must be one of debug, info, warn, error`},
		{env("SIEMSHIP_LOG_LEVEL=fatal"), `SIEMSHIP_LOG_LEVEL="fatal": must be one of debug, info, warn, error`},
		{env("SIEMSHIP_LOG_FORMAT=text"), `SIEMSHIP_LOG_FORMAT="text": must be one of json, console`},
		{env("SIEMSHIP_SHUTDOWN_TIMEOUT=0s"), `SIEMSHIP_SHUTDOWN_TIMEOUT="0s": must be greater than 0`},
		{env("SIEMSHIP_SHUTDOWN_TIMEOUT=60s"), `SIEMSHIP_SHUTDOWN_TIMEOUT="60s": must be less than SLS_HEARTBEAT_TIMEOUT (1m0s), or the group hands our shards to another consumer while we still work on them`},
		{env("SLS_HEARTBEAT_INTERVAL=5s"), `SIEMSHIP_SHUTDOWN_TIMEOUT="20s" (default): must be less than SLS_HEARTBEAT_TIMEOUT (15s), or the group hands our shards to another consumer while we still work on them`},
		{env("SIEMSHIP_RETRY_INITIAL_BACKOFF=0s"), `SIEMSHIP_RETRY_INITIAL_BACKOFF="0s": must be greater than 0`},
		{env("SIEMSHIP_RETRY_INITIAL_BACKOFF=1m"), `SIEMSHIP_RETRY_MAX_BACKOFF="30s" (default): must be at least SIEMSHIP_RETRY_INITIAL_BACKOFF (1m0s)`},
		{env("SLS_PROJEC=x"), `unknown variable SLS_PROJEC, did you mean SLS_PROJECT?`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := problems(t, tt.env)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

// TestLoadReportsEveryProblem checks that one run names every problem, parse errors and rule violations alike,
// unknown names first, without repeating a variable whose value did not parse.
func TestLoadReportsEveryProblem(t *testing.T) {
	got := problems(t, []string{
		"SLS_PROJEC=p", "SYSLOG_PROTOCOL=tpc", "SYSLOG_PORT=abc", "SLS_HEARTBEAT_INTERVAL=20",
		"SLS_AK_KEY=hunter2 ", "SYSLOG_FACILITY=usr", "SIEMSHIP_LOG_FORMAT=xml", "SYSLOG_CONNECTIONS=0",
	})
	want := []string{
		`unknown variable SLS_PROJEC, did you mean SLS_PROJECT?`,
		`SLS_HEARTBEAT_INTERVAL="20": needs a unit, such as 20s or 20ms`,
		`SYSLOG_PORT="abc": must be a whole number`,
		`SYSLOG_FACILITY="usr": ` + facilityMsg,
		`SLS_ENDPOINT: required, not set`,
		`SLS_AK_ID: required, not set`,
		`SLS_PROJECT: required, not set`,
		`SLS_LOGSTORE: required, not set`,
		`SLS_CG: required, not set`,
		`SYSLOG_HOST: required, not set`,
		`SLS_AK_KEY=[redacted]: must not contain spaces or control characters (a stray newline or space?)`,
		`SYSLOG_PROTOCOL="tpc": must be one of tcp, tls, udp, relp, relp-tls`,
		`SYSLOG_CONNECTIONS="0": must be 1 to 64`,
		`SIEMSHIP_LOG_FORMAT="xml": must be one of json, console`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHostnameDefaults(t *testing.T) {
	failing := func() (string, error) { return "", errors.New("uname failed") }
	_, err := load(required, failing)
	got := varErrors(t, err)
	want := `SLS_CONSUMER_NAME: the host name is unavailable (uname failed); set it explicitly`
	if len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want %q", got, want)
	}
	c, err := load(env("SLS_CONSUMER_NAME=pod-1"), failing)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hostname != "-" {
		t.Errorf("SYSLOG_HOSTNAME without a host name = %q, want -", c.Hostname)
	}
	_, err = load(required, func() (string, error) { return "", nil })
	if got := varErrors(t, err); len(got) != 1 || !strings.Contains(got[0], "the host name is empty") {
		t.Errorf("empty host name: %q", got)
	}
	if c, err := Load(required); err != nil || c.ConsumerName == "" {
		t.Errorf("Load with the real host name: %v, consumer %q", err, c.ConsumerName)
	}
}

// TestValidateCodeBuiltConfig covers Validate on a Config changed in code after Load, and on the zero Config.
func TestValidateCodeBuiltConfig(t *testing.T) {
	c := mustLoad(t, required)
	c.Syslog.Protocol = "sctp"
	c.Syslog.Facility = 99
	c.Syslog.Severity = -1
	c.SLS.CursorStart = CursorStart{Kind: 9}
	c.SLS.ConsumerName = ""
	c.Syslog.Sep = ""
	c.Runtime.LogLevel = zapcore.FatalLevel
	got := varErrors(t, c.Validate())
	want := []string{
		`SLS_CONSUMER_NAME: must not be empty`,
		`SLS_CURSOR_START="1970-01-01T00:00:00Z": ` + errCursor.Error(),
		`SYSLOG_PROTOCOL="sctp": must be one of tcp, tls, udp, relp, relp-tls`,
		`SYSLOG_FACILITY="99": ` + facilityMsg,
		`SYSLOG_SEVERITY="-1": ` + severityMsg,
		`SYSLOG_SEP: must not be empty`,
		`SIEMSHIP_LOG_LEVEL="fatal": must be one of debug, info, warn, error`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(varErrors(t, new(Config).Validate())); n < 10 {
		t.Errorf("zero Config: only %d problems", n)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{env("SYSLOG_PROTOCOL=tls", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=1"), "SYSLOG_TLS_INSECURE_SKIP_VERIFY=true: the receiver's certificate is NOT verified"},
		{env("SYSLOG_PROTOCOL=udp"), "SYSLOG_PROTOCOL=udp: delivery cannot be confirmed"},
		{env("SLS_REGION=cn-hangzhou"), "SLS_REGION is set but only used with SLS_AUTH_VERSION=v4"},
		{env("SIEMSHIP_FORMAT=json", "SYSLOG_HEADER=none", "SYSLOG_SEVERITY_FIELD=level"), "SYSLOG_SEVERITY_FIELD has no effect with SYSLOG_HEADER=none"},
		{env("SIEMSHIP_FORMAT=json", "SYSLOG_HEADER=none", "SYSLOG_HOSTNAME=${host}"), "SYSLOG_HOSTNAME has no effect with SYSLOG_HEADER=none"},
	}
	for _, tt := range tests {
		w := mustLoad(t, tt.env).Warnings()
		if len(w) != 1 || !strings.HasPrefix(w[0], tt.want) {
			t.Errorf("%v: warnings %q, want one starting with %q", tt.env[len(required):], w, tt.want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// What the user reads for a bad SYSLOG_FACILITY or SYSLOG_SEVERITY (the header package's message).
const (
	facilityMsg = "must be a facility name (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0 … local7) or a number 0 to 23"
	severityMsg = "must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7"
)
