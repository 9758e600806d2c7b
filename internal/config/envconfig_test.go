package config

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kelseyhightower/envconfig"
)

// everyVariable sets every field (no aliases, no *_FILE) to a valid non-default value; the TLS files are written
// into a temporary directory, since Load reads them.
func everyVariable(t *testing.T) []string {
	f := tlsFiles(t)
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte("rules:\n  - name: r\n    keyword: x\n    severity: err\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{
		"SLS_ENDPOINT=https://cn-beijing.log.aliyuncs.com", "SLS_AK_ID=id", "SLS_AK_KEY=key", "SLS_SECURITY_TOKEN=tok",
		"SLS_PROJECT=proj", "SLS_LOGSTORE=store", "SLS_CG=group", "SLS_CONSUMER_NAME=pod-1",
		"SLS_CURSOR_START=2026-01-02T15:04:05Z", "SLS_EXPIRED_CURSOR=end", "SLS_QUERY=* | where a = 'b'", "SLS_HEARTBEAT_INTERVAL=10s",
		"SLS_HEARTBEAT_TIMEOUT=45s", "SLS_FETCH_INTERVAL=300ms", "SLS_MAX_FETCH_LOG_GROUPS=500", "SLS_COMPRESS=zstd",
		"SLS_AUTH_VERSION=v4", "SLS_REGION=cn-beijing",
		"SYSLOG_HOST=b:1", "SYSLOG_PORT=6514", "SYSLOG_PROTOCOL=tls", "SYSLOG_FRAMING=lf", "SYSLOG_TLS_CA_FILE=" + f.CA,
		"SYSLOG_TLS_CERT_FILE=" + f.ClientCert, "SYSLOG_TLS_KEY_FILE=" + f.ClientKey, "SYSLOG_TLS_SERVER_NAME=siem", "SYSLOG_TLS_INSECURE_SKIP_VERIFY=true",
		"SYSLOG_FACILITY=local7", "SYSLOG_SEVERITY=notice", "SYSLOG_HOSTNAME=h", "SYSLOG_APP_NAME=app", "SYSLOG_PROCID=1",
		"SYSLOG_MSGID=m", `SYSLOG_STRUCTURED_DATA=[a@1 b="c"]`, "SYSLOG_SEP=##", "SYSLOG_MAX_MESSAGE_BYTES=8192",
		"SYSLOG_CONNECTIONS=3", "SYSLOG_DIAL_TIMEOUT=2s", "SYSLOG_CONFIRM=close", "SYSLOG_BALANCE=roundrobin",
		"SYSLOG_RELP_WINDOW=64", "SYSLOG_WRITE_TIMEOUT=10s", "SYSLOG_HEADER=rfc3164", "SYSLOG_RFC3164_TIMEZONE=Asia/Shanghai",
		"SIEMSHIP_FORMAT=cef", "CEF_VENDOR=v", "CEF_PRODUCT=p", "CEF_VERSION=2", "CEF_EVENT_CLASS=c", "CEF_NAME=n", "CEF_SEVERITY=7",
		"LEEF_VERSION=2.0", "LEEF_DELIMITER=^", "LEEF_VENDOR=v", "LEEF_PRODUCT=p", "LEEF_PRODUCT_VERSION=2", "LEEF_EVENT_ID=e",
		"SIEMSHIP_OUTPUT=syslog", "HEC_URL=https://splunk:8088", "HEC_TOKEN=tok", "HEC_INDEX=audit", "HEC_SOURCE=sls",
		"HEC_SOURCETYPE=st", "HEC_HOST=h", "HEC_FIELDS=a,t=__topic__", "HEC_ACK=on", "HEC_ACK_TIMEOUT=1m", "HEC_MAX_REQUEST_BYTES=8192",
		"HEC_MAX_EVENTS=100", "HEC_GZIP=true", "HEC_DEAD_LETTER_FILE=/tmp/dl", "HEC_TLS_CA_FILE=" + f.CA,
		"HEC_TLS_INSECURE_SKIP_VERIFY=true",
		"SIEMSHIP_PRESET=actiontrail", "SIEMSHIP_RULES_FILE=" + rulesFile, "SYSLOG_SEVERITY_FIELD=level",
		"SYSLOG_SEVERITY_MAP=E=err", "SYSLOG_FACILITY_FIELD=fac", "SIEMSHIP_RENAME_FIELDS=a=b", "SIEMSHIP_KEEP_FIELDS=a,b*",
		"SIEMSHIP_DROP_FIELDS=c", "SIEMSHIP_ADD_FIELDS=k=${a:-v}",
		"SIEMSHIP_LOG_LEVEL=warn", "SIEMSHIP_LOG_FORMAT=console", "SIEMSHIP_SHUTDOWN_TIMEOUT=40s",
		"SIEMSHIP_RETRY_INITIAL_BACKOFF=1s", "SIEMSHIP_RETRY_MAX_BACKOFF=1m", "SIEMSHIP_MEMORY_LIMIT=1GiB",
		"SIEMSHIP_HTTP_ADDR=127.0.0.1:9090",
	}
}

// TestEnvconfigConformance shows that Config is an ordinary envconfig specification: envconfig.Process, reading
// the process environment, fills it exactly as Load does from a list. (Load does not use Process because Process
// reads the process environment and stops at the first error.)
func TestEnvconfigConformance(t *testing.T) {
	every := everyVariable(t)
	ours := mustLoad(t, every)
	for _, kv := range every {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var theirs Config
	if err := envconfig.Process("", &theirs); err != nil {
		t.Fatalf("envconfig.Process: %v", err)
	}
	if *ours != theirs {
		t.Errorf("envconfig and Load differ:\nenvconfig %v\nLoad      %v", &theirs, ours)
	}
	if len(every) != len(fields(new(Config))) {
		t.Errorf("everyVariable sets %d variables, Config has %d", len(every), len(fields(new(Config))))
	}
}

// TestEnvconfigUsageKeys checks that envconfig sees the same names as Reference (minus the *_FILE companions,
// which are ours).
func TestEnvconfigUsageKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := envconfig.Usagef("", new(Config), &buf, "{{range .}}{{usage_key .}}\n{{end}}"); err != nil {
		t.Fatal(err)
	}
	theirs := strings.Fields(buf.String())
	var ours []string
	for _, v := range Reference() {
		if !strings.HasSuffix(v.Name, "_FILE") || strings.HasPrefix(v.Name, "SYSLOG_TLS_") || v.Name == "SIEMSHIP_RULES_FILE" ||
			strings.HasPrefix(v.Name, "HEC_") && v.Name != "HEC_TOKEN_FILE" {
			ours = append(ours, v.Name)
		}
	}
	if !slices.Equal(theirs, ours) {
		t.Errorf("envconfig keys:\n%v\nReference:\n%v", theirs, ours)
	}
}
