// Package config reads siemship's settings from environment variables.
//
// One struct, Config, declares every variable with envconfig tags (envconfig, default, desc, required) plus a few
// tags of our own (alias, file, defaultdoc, sample). Load parses an os.Environ()-style list without touching the
// process environment, reports every problem at once (each naming the variable and what is allowed), and flags
// unknown variables with our prefixes as likely typos. Reference and Markdown render the same tags as the
// reference printed by `siemship help-env` and committed as docs/configuration.md.
//
// Tags:
//
//	envconfig   the variable's full name (never derived from the field name)
//	default     the default as envconfig reads it; empty means none or computed (see defaultdoc)
//	defaultdoc  how a computed default is documented (host name, 3 × interval, per protocol)
//	desc        one or more sentences for the reference
//	required    "true" when the variable must be set
//	alias       another accepted name (Alibaba's sample or a common alternative)
//	file        name of a companion variable holding a path to read the value from (secrets)
//	sample      "true" when Alibaba's Python sample uses the same name
//	group       on the embedded structs: the heading in the reference
package config

import (
	"time"

	"go.uber.org/zap/zapcore"
)

// Config is every setting of siemship. Load fills it from the environment; the embedded structs only group the
// variables (SLS_*, SYSLOG_*, SIEMSHIP_*) and are embedded so that envconfig reads the explicit names unprefixed.
type Config struct {
	SLS     `group:"SLS consumer"`
	Syslog  `group:"Syslog destination"`
	Output  `group:"Message format"`
	HEC     `group:"Splunk HTTP Event Collector"`
	Mapping `group:"Mapping and rules"`
	Runtime `group:"Process"`
}

// SLS holds the consumer-group settings handed to the SDK's consumer library (LogHubConfig).
type SLS struct {
	Endpoint string `envconfig:"SLS_ENDPOINT" required:"true" sample:"true" desc:"SLS endpoint of the project's region, e.g. cn-hangzhou.log.aliyuncs.com or cn-hangzhou-intranet.log.aliyuncs.com. An https:// prefix makes the SDK use TLS, http:// or no scheme plain HTTP."`

	AccessKeyID string `envconfig:"SLS_AK_ID" required:"true" sample:"true" desc:"AccessKey ID of a RAM user or role allowed to read the logstore and use the consumer group."`

	AccessKeySecret Secret `envconfig:"SLS_AK_KEY" required:"true" file:"SLS_AK_KEY_FILE" sample:"true" desc:"AccessKey secret belonging to SLS_AK_ID."`

	SecurityToken Secret `envconfig:"SLS_SECURITY_TOKEN" file:"SLS_SECURITY_TOKEN_FILE" desc:"STS security token, when SLS_AK_ID and SLS_AK_KEY are temporary credentials. Read once at start-up, so a token that expires needs a restart."`

	Project string `envconfig:"SLS_PROJECT" required:"true" sample:"true" desc:"SLS project name (it becomes part of the endpoint's host name)."`

	Logstore string `envconfig:"SLS_LOGSTORE" required:"true" sample:"true" desc:"Logstore to consume."`

	ConsumerGroup string `envconfig:"SLS_CG" required:"true" sample:"true" desc:"Consumer group name. siemship creates the group when it does not exist, with SLS_HEARTBEAT_TIMEOUT as its timeout. All replicas that share the work use the same group; checkpoints belong to the group."`

	ConsumerName string `envconfig:"SLS_CONSUMER_NAME" defaultdoc:"this host's name" desc:"Name of this consumer within the group. It must differ between replicas running at the same time (two processes with one name are one consumer to SLS: both read the same shards, send duplicates and overwrite each other's checkpoints); the host name (the pod name in Kubernetes) is unique in most deployments."`

	CursorStart CursorStart `envconfig:"SLS_CURSOR_START" default:"begin" desc:"Where to start reading a shard that has no checkpoint in the group yet: begin (oldest retained data), end (only new data), an RFC 3339 time such as 2026-01-02T15:04:05Z, or unix seconds. Times refer to when SLS received the data. Ignored for shards that already have a checkpoint."`

	ExpiredCursor ExpiredCursor `envconfig:"SLS_EXPIRED_CURSOR" default:"begin" desc:"What a shard does when its checkpoint points at data SLS has already deleted (retention shorter than an outage): begin resumes at the oldest data still retained, end at the shard's end (only data written from then on), fail stops siemship with an error (exit status 1) so that an operator decides. begin and end log an error and count siemship_expired_checkpoints_total; the expired data is lost either way, begin loses the least."`

	Query string `envconfig:"SLS_QUERY" desc:"Server-side SPL filter applied while pulling, e.g. * | where level = 'ERROR'. Records it removes are never sent and count as processed. Empty pulls everything."`

	HeartbeatInterval time.Duration `envconfig:"SLS_HEARTBEAT_INTERVAL" default:"20s" desc:"How often the consumer sends its heartbeat to the consumer group; whole seconds, at least 1s."`

	HeartbeatTimeout time.Duration `envconfig:"SLS_HEARTBEAT_TIMEOUT" defaultdoc:"3 × SLS_HEARTBEAT_INTERVAL (60s)" desc:"Consumer-group timeout: a consumer silent for this long loses its shards to the others. Whole seconds, greater than SLS_HEARTBEAT_INTERVAL and greater than SIEMSHIP_SHUTDOWN_TIMEOUT. Changing it updates an existing group."`

	FetchInterval time.Duration `envconfig:"SLS_FETCH_INTERVAL" default:"200ms" desc:"Pacing of the SDK's shard loop and the shortest time between two pulls of a shard that is not full; whole milliseconds."`

	MaxFetchLogGroups int `envconfig:"SLS_MAX_FETCH_LOG_GROUPS" default:"1000" desc:"Log groups pulled per request and handed over as one batch, 1 to 1000 (the server's maximum). Smaller batches mean less redelivery after a failure, larger ones higher throughput."`

	Compress Compression `envconfig:"SLS_COMPRESS" default:"lz4" desc:"Compression requested for pulled data: lz4 or zstd. zstd saves bandwidth (e.g. across regions) for some CPU."`

	AuthVersion AuthVersion `envconfig:"SLS_AUTH_VERSION" default:"v1" desc:"Request signature version: v1 or v4. v4 needs SLS_REGION."`

	Region string `envconfig:"SLS_REGION" desc:"Region ID such as cn-hangzhou; required with SLS_AUTH_VERSION=v4, otherwise unused."`
}

// Syslog holds the destination and the RFC 5424 header fields.
type Syslog struct {
	Host string `envconfig:"SYSLOG_HOST" required:"true" sample:"true" desc:"Host name or IP address of the syslog receiver (SIEM), optionally with its own port as host:port; IPv6 addresses go in brackets when a port follows: [2001:db8::1]:6514. Several receivers are given as a comma-separated list (at most 16), e.g. siem-a,siem-b:1514; SYSLOG_BALANCE says how batches are spread over them, and each batch goes wholly to one receiver."`

	Port int `envconfig:"SYSLOG_PORT" default:"514" sample:"true" desc:"Port used for entries of SYSLOG_HOST without their own port, 1 to 65535. 514 is the default of Alibaba's sample; syslog over TLS customarily uses 6514."`

	Protocol Protocol `envconfig:"SYSLOG_PROTOCOL" default:"tcp" sample:"true" desc:"Transport: tcp, tls, udp, relp or relp-tls. relp is rsyslog's Reliable Event Logging Protocol (imrelp): the receiving daemon acknowledges every message, the strongest confirmation available; relp-tls is RELP over TLS with the SYSLOG_TLS_* settings. udp cannot confirm delivery: a checkpoint then only means the datagrams were sent."`

	Confirm Confirm `envconfig:"SYSLOG_CONFIRM" defaultdoc:"ack (tcp, tls)" desc:"When a batch sent over tcp or tls counts as delivered, so that its checkpoint may move: write (the socket write returned, as other shippers do; a receiver crash loses what sat in the socket buffers), ack (additionally wait until the receiver's kernel acknowledged every byte, bounded by SYSLOG_WRITE_TIMEOUT; a receiver crash can still lose what its kernel buffered) or close (end every batch with a half-close and wait until the receiver read everything and closed the connection; proves the receiver application read every byte, costs a connection and, for tls, a handshake per batch, and needs a receiver that closes on end of stream, as rsyslog and syslog-ng do). Not used with udp and relp, where setting it is an error."`

	Balance Balance `envconfig:"SYSLOG_BALANCE" default:"failover" desc:"How batches are spread when SYSLOG_HOST lists several receivers: failover (all to the first receiver that works; a receiver that failed is skipped and probed every 30 s, and siemship returns to it in list order once it answers) or roundrobin (one batch to each working receiver in turn)."`

	RELPWindow int `envconfig:"SYSLOG_RELP_WINDOW" default:"128" desc:"relp and relp-tls: how many messages may be sent before their acknowledgement arrived, 1 to 4096. librelp's default is 128; a larger window helps on long round trips."`

	Framing Framing `envconfig:"SYSLOG_FRAMING" defaultdoc:"octet for tls, lf for tcp" desc:"How messages are delimited on a TCP or TLS stream: octet (octet counting, RFC 6587 §3.4.1, mandatory for TLS per RFC 5425; rsyslog, syslog-ng syslog()) or lf (a newline after each message; Splunk, QRadar, Logstash, syslog-ng network()). Not used with udp (one message per datagram) and relp (RELP frames carry their own length), where setting it is an error."`

	TLSCAFile string `envconfig:"SYSLOG_TLS_CA_FILE" desc:"PEM file with the CA certificates that verify the receiver. Empty uses the system's roots. tls and relp-tls only."`

	TLSCertFile string `envconfig:"SYSLOG_TLS_CERT_FILE" desc:"PEM client certificate for mutual TLS; needs SYSLOG_TLS_KEY_FILE. tls and relp-tls only."`

	TLSKeyFile string `envconfig:"SYSLOG_TLS_KEY_FILE" desc:"PEM private key of SYSLOG_TLS_CERT_FILE, unencrypted. siemship warns at start-up when others than its owner can read it (chmod 600; a root-owned key readable by its group, as Kubernetes' fsGroup makes it, is fine). tls and relp-tls only."`

	TLSServerName string `envconfig:"SYSLOG_TLS_SERVER_NAME" defaultdoc:"the host of SYSLOG_HOST" desc:"Name expected in the receiver's certificate (and sent as SNI), for when it differs from the host dialled, e.g. when connecting by IP address. tls and relp-tls only."`

	TLSInsecureSkipVerify bool `envconfig:"SYSLOG_TLS_INSECURE_SKIP_VERIFY" default:"false" desc:"true disables verification of the receiver's certificate: anyone on the path can then read and change the logs. For tests only; siemship logs a warning at start-up when it is on. tls and relp-tls only."`

	Facility Facility `envconfig:"SYSLOG_FACILITY" default:"user" desc:"RFC 5424 facility of every message: a name (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0 … local7) or a number 0 to 23."`

	Severity Severity `envconfig:"SYSLOG_SEVERITY" default:"info" desc:"RFC 5424 severity of every message: a name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7."`

	Hostname string `envconfig:"SYSLOG_HOSTNAME" defaultdoc:"this host's name" desc:"HOSTNAME field of the syslog header: 1 to 255 printable US-ASCII characters, or - for none."`

	AppName string `envconfig:"SYSLOG_APP_NAME" alias:"SYSLOG_TAG" default:"-" desc:"APP-NAME field of the syslog header (the tag): 1 to 48 printable US-ASCII characters, - for none. Setting it and its other name SYSLOG_TAG to different values is an error."`

	ProcID string `envconfig:"SYSLOG_PROCID" default:"-" desc:"PROCID field of the syslog header: 1 to 128 printable US-ASCII characters, - for none."`

	MsgID string `envconfig:"SYSLOG_MSGID" default:"-" desc:"MSGID field of the syslog header: 1 to 32 printable US-ASCII characters, - for none."`

	StructuredData string `envconfig:"SYSLOG_STRUCTURED_DATA" defaultdoc:"- (none)" desc:"STRUCTURED-DATA added to every message, written as it should appear, e.g. [origin@32473 env=\"prod\"] (RFC 5424 §6.3 syntax, checked at start-up). Empty or - for none."`

	Header HeaderFormat `envconfig:"SYSLOG_HEADER" default:"rfc5424" desc:"Syslog header in front of every message: rfc5424 (date with fraction and zone, APP-NAME, PROCID, MSGID and STRUCTURED-DATA fields), rfc3164 (BSD syslog, <PRI>Mmm dd hh:mm:ss HOSTNAME TAG:, what older SIEM parsers and the CEF and LEEF guides show; no year, no zone: see SYSLOG_RFC3164_TIMEZONE; the TAG is SYSLOG_APP_NAME[SYSLOG_PROCID], siemship when SYSLOG_APP_NAME is -; no MSGID, no STRUCTURED-DATA), or none (SIEMSHIP_FORMAT=json only: bare JSON objects, one per frame, e.g. one per line with SYSLOG_FRAMING=lf)."`

	RFC3164Timezone string `envconfig:"SYSLOG_RFC3164_TIMEZONE" defaultdoc:"UTC" desc:"Time zone of rfc3164 timestamps, which cannot say which zone they are in: an IANA name such as Asia/Shanghai, or UTC. Set it to the zone the SIEM assumes for this log source. Only used with SYSLOG_HEADER=rfc3164."`

	Sep string `envconfig:"SYSLOG_SEP" default:"||" desc:"Separator written before each key=value pair of the message body, as in Alibaba's sample (||key=value||key=value). 1 to 16 bytes of printable ASCII (space included) without \\ and =, not starting with a letter or digit, e.g. || or ;."`

	MaxMessageBytes int `envconfig:"SYSLOG_MAX_MESSAGE_BYTES" defaultdoc:"65536 (tcp, tls, relp), 65507 (udp)" desc:"Largest syslog message in bytes, header included and framing excluded; longer messages are truncated at a UTF-8 boundary and counted, never dropped silently. 480 to 16777216 for tcp and tls, to 131072 for relp and relp-tls (what rsyslog's imrelp takes by default), to 65507 for udp (the largest IPv4 datagram payload); with long header fields or structured data at least 64 bytes more than the header. Receivers have their own limits: rsyslog 8 KiB by default, Splunk 10000, QRadar reportedly 4096 (unverified). 0 means the default."`

	Connections int `envconfig:"SYSLOG_CONNECTIONS" default:"1" desc:"Parallel connections (sockets for udp) to the destination, 1 to 64. One batch is always written on one connection, so the order within a shard is kept; more connections help when one receiver connection is the bottleneck."`

	DialTimeout time.Duration `envconfig:"SYSLOG_DIAL_TIMEOUT" default:"5s" desc:"Deadline for connecting to the receiver, TLS handshake included."`

	WriteTimeout time.Duration `envconfig:"SYSLOG_WRITE_TIMEOUT" default:"30s" desc:"Deadline for writing one batch to a connection; when it passes, the connection is closed and the batch is sent again."`
}

// HEC holds the Splunk HTTP Event Collector destination (SIEMSHIP_OUTPUT=hec).
type HEC struct {
	HECURL string `envconfig:"HEC_URL" desc:"hec: base URL of Splunk's HTTP Event Collector, e.g. https://splunk.example.com:8088 (siemship adds /services/collector/...); several, comma-separated, are tried in order (failover). http:// is allowed (Splunk can run HEC without TLS) and logs a warning. Required with SIEMSHIP_OUTPUT=hec."`

	HECToken Secret `envconfig:"HEC_TOKEN" file:"HEC_TOKEN_FILE" desc:"hec: the HEC token (sent as Authorization: Splunk <token>; never logged). Required with SIEMSHIP_OUTPUT=hec."`

	HECIndex string `envconfig:"HEC_INDEX" desc:"hec: index of every event; empty: the token's default index. It must be one of the token's allowed indexes."`

	HECSource string `envconfig:"HEC_SOURCE" desc:"hec: source of every event; empty: the token's default."`

	HECSourcetype string `envconfig:"HEC_SOURCETYPE" default:"_json" desc:"hec: sourcetype of every event; _json makes Splunk extract the event's fields."`

	HECHost string `envconfig:"HEC_HOST" desc:"hec: host of every event, a constant or a template such as ${__tag__:__hostname__} (docs/format.md#templates); empty: the token's default (the HEC server's name)."`

	HECFields string `envconfig:"HEC_FIELDS" desc:"hec: record fields also sent as Splunk indexed fields (the event's \"fields\" member, searchable with field::value and tstats), comma-separated, each a field name or name=field (a name starts with a letter and holds letters, digits and _; a field is a content key, __topic__, __source__ or __tag__:key), e.g. eventName,sourceIp=sourceIpAddress,topic=__topic__. Absent and empty fields are left out; a value is cut at 1024 bytes there (the event keeps it whole). Empty: none."`

	HECAck string `envconfig:"HEC_ACK" default:"auto" desc:"hec: indexer acknowledgement: on (a batch is confirmed, and its checkpoint moves, only once Splunk reports every request of it indexed; needs a token with acknowledgement enabled), off (confirmed once HEC accepted the request: Splunk Cloud tokens, which only have acknowledgement for Kinesis Firehose), auto (on when the token has it, else off with a warning)."`

	HECAckTimeout time.Duration `envconfig:"HEC_ACK_TIMEOUT" default:"2m" desc:"hec: how long a batch waits for its acknowledgements before it is sent again (the events it resends may then be duplicates)."`

	HECMaxRequestBytes int `envconfig:"HEC_MAX_REQUEST_BYTES" default:"2097152" desc:"hec: largest request body in bytes (events are split over requests; one event is cut to fit); keep it under the server's max_content_length. 4096 to 838860800."`

	HECMaxEvents int `envconfig:"HEC_MAX_EVENTS" default:"10000" desc:"hec: most events in one request, 1 to 1000000."`

	HECGzip bool `envconfig:"HEC_GZIP" default:"false" desc:"hec: gzip request bodies (less bandwidth, more CPU)."`

	HECDeadLetterFile string `envconfig:"HEC_DEAD_LETTER_FILE" desc:"hec: file that receives, one JSON line each, the events Splunk refuses as invalid, so that the rest of the batch is delivered. Empty: such a batch is not confirmed and its shard waits (an error names this variable): no event is ever dropped silently."`

	HECTLSCAFile string `envconfig:"HEC_TLS_CA_FILE" desc:"hec: PEM file with the CA certificates that verify the HEC server. Empty uses the system's roots."`

	HECTLSInsecureSkipVerify bool `envconfig:"HEC_TLS_INSECURE_SKIP_VERIFY" default:"false" desc:"hec: true disables verification of the HEC server's certificate. For tests only; logged as a warning."`
}

// Mapping holds what siemship chooses per record: header fields from record fields, field changes, rules.
type Mapping struct {
	Preset string `envconfig:"SIEMSHIP_PRESET" desc:"A mapping made for one kind of log, as defaults of the other settings of this group and of the CEF_/LEEF_ header settings for SIEMSHIP_FORMAT (a variable you set replaces the preset's value): actiontrail (Alibaba Cloud ActionTrail audit events: severity warning when errorCode is present, CEF and LEEF dictionary keys, docs/siem/actiontrail.md). Empty: none."`

	RulesFile string `envconfig:"SIEMSHIP_RULES_FILE" desc:"YAML file of ordered rules that match records by field value, keyword or regular expression, with exclusions, and set the severity, add fields or drop the record (docs/rules.md); read and checked strictly at start-up. Empty: no rules."`

	SeverityField string `envconfig:"SYSLOG_SEVERITY_FIELD" desc:"Field whose value gives each record's severity, through SYSLOG_SEVERITY_MAP or as a severity name or number (level=ERROR gives err); records without it, or with a value neither gives, have SYSLOG_SEVERITY. CEF's Severity and LEEF's sev follow (docs/format.md). Empty: every record has SYSLOG_SEVERITY."`

	SeverityMap string `envconfig:"SYSLOG_SEVERITY_MAP" desc:"Value map for SYSLOG_SEVERITY_FIELD: value=severity entries separated by commas, * for any other non-empty value, e.g. ERROR=err,WARN=warning or, for errorCode present means warning, *=warning."`

	FacilityField string `envconfig:"SYSLOG_FACILITY_FIELD" desc:"Field whose value (a facility name or number) gives each record's facility; records without a valid one have SYSLOG_FACILITY."`

	RenameFields string `envconfig:"SIEMSHIP_RENAME_FIELDS" desc:"Fields sent under another key, as from=to entries separated by commas, e.g. sourceIpAddress=src,userIdentity.userName=suser (CEF and LEEF dictionary keys); from=to|to6 uses to6 for an IPv6 value (src|c6a2)."`

	KeepFields string `envconfig:"SIEMSHIP_KEEP_FIELDS" desc:"Only these record fields are sent (comma-separated keys; key* for a prefix); the log group's topic, source and tags and the time still are. Empty: all."`

	DropFields string `envconfig:"SIEMSHIP_DROP_FIELDS" desc:"Record fields not sent (comma-separated keys; key* for a prefix), e.g. requestParameters*,responseElements*. Wins over SIEMSHIP_KEEP_FIELDS."`

	AddFields string `envconfig:"SIEMSHIP_ADD_FIELDS" desc:"Fields added to every record, as key=value entries separated by commas; a value may refer to fields as ${field}, ${field:-default}, ${field:+word} or ${field:+word:-other} (docs/format.md#templates), e.g. outcome=${errorCode:+failure:-success}; an entry whose value is empty is not added."`
}

// Output holds the message format.
type Output struct {
	Destination string `envconfig:"SIEMSHIP_OUTPUT" default:"syslog" desc:"Where messages go: syslog (SYSLOG_* settings) or hec (Splunk's HTTP Event Collector, HEC_* settings; the payload is then HEC's event JSON with the json format's object, and SIEMSHIP_FORMAT and the SYSLOG_ settings are not used)."`

	Format PayloadFormat `envconfig:"SIEMSHIP_FORMAT" default:"kv" desc:"Payload of every message: kv (||key=value, as Alibaba's sample sends it; SYSLOG_SEP), cef (ArcSight CEF; CEF_* settings), leef (IBM QRadar LEEF 2.0; LEEF_* settings) or json (one JSON object per record). docs/format.md shows each, docs/siem/ which one each SIEM reads."`

	CEFVendor string `envconfig:"CEF_VENDOR" default:"Alibaba Cloud" desc:"cef: Device Vendor of every message (with CEF_PRODUCT it names the device type in ArcSight); up to 63 characters, no control characters."`

	CEFProduct string `envconfig:"CEF_PRODUCT" default:"SLS" desc:"cef: Device Product of every message; up to 63 characters."`

	CEFVersion string `envconfig:"CEF_VERSION" default:"1" desc:"cef: Device Version of every message; up to 31 characters. 1 is the version of siemship's CEF layout (extension keys and key escapes), which changes only when a parser written for it would have to."`

	CEFEventClass string `envconfig:"CEF_EVENT_CLASS" defaultdoc:"the log group's __topic__ (sls when empty)" desc:"cef: Device Event Class ID of every message; up to 1023 characters."`

	CEFName string `envconfig:"CEF_NAME" defaultdoc:"the log group's __topic__ (SLS log when empty)" desc:"cef: event Name of every message; up to 512 characters."`

	CEFSeverity int `envconfig:"CEF_SEVERITY" default:"3" desc:"cef: Severity of every message, 0 to 10 (0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High)."`

	LEEFVersion string `envconfig:"LEEF_VERSION" default:"2.0" desc:"leef: LEEF version, 2.0 (a delimiter of your choice, named in the header) or 1.0 (tab only)."`

	LEEFDelimiter string `envconfig:"LEEF_DELIMITER" defaultdoc:"a tab (x09)" desc:"leef 2.0: the character between attributes, as one character (e.g. ^) or in the LEEF guide's hex syntax (x5E, 0x09). Tab is QRadar's default; an rsyslog relay in between turns tabs into #011 unless its parser.escapeControlCharacterTab is off, so use ^ behind one. A delimiter inside a key or value is replaced by its fullwidth form (docs/format.md)."`

	LEEFVendor string `envconfig:"LEEF_VENDOR" default:"Alibaba Cloud" desc:"leef: Vendor of every message (with LEEF_PRODUCT it names the log source type in QRadar); up to 255 characters, no | and no control characters."`

	LEEFProduct string `envconfig:"LEEF_PRODUCT" default:"SLS" desc:"leef: Product of every message."`

	LEEFProductVersion string `envconfig:"LEEF_PRODUCT_VERSION" default:"1.0" desc:"leef: Product Version of every message."`

	LEEFEventID string `envconfig:"LEEF_EVENT_ID" default:"log" desc:"leef: EventID of every message (with cat, the key of QRadar's event mapping); up to 255 characters."`
}

// Runtime holds the settings of the process itself: logging, shutdown and delivery retries.
type Runtime struct {
	LogLevel zapcore.Level `envconfig:"SIEMSHIP_LOG_LEVEL" default:"info" desc:"Minimum level of siemship's own log: debug, info, warn or error."`

	LogFormat LogFormat `envconfig:"SIEMSHIP_LOG_FORMAT" default:"json" desc:"Format of siemship's own log on standard error: json (one object per line) or console (for people)."`

	ShutdownTimeout time.Duration `envconfig:"SIEMSHIP_SHUTDOWN_TIMEOUT" default:"20s" desc:"Time allowed on SIGTERM to finish the batch in flight, save checkpoints and close connections. Must be less than SLS_HEARTBEAT_TIMEOUT, so that the group does not hand our shards to another consumer while we still work on them; give Kubernetes' terminationGracePeriodSeconds a few seconds more."`

	RetryInitialBackoff time.Duration `envconfig:"SIEMSHIP_RETRY_INITIAL_BACKOFF" default:"500ms" desc:"First wait before a batch whose delivery failed is sent again; each further failure doubles the wait (with jitter) up to SIEMSHIP_RETRY_MAX_BACKOFF. Retries never end on their own: the checkpoint waits for delivery."`

	RetryMaxBackoff time.Duration `envconfig:"SIEMSHIP_RETRY_MAX_BACKOFF" default:"30s" desc:"Longest wait between two delivery attempts of a batch; at least SIEMSHIP_RETRY_INITIAL_BACKOFF."`

	MemoryLimit ByteSize `envconfig:"SIEMSHIP_MEMORY_LIMIT" default:"256MiB" desc:"Memory (resident set) siemship keeps itself within, however many shards it holds and however large the pulled log groups are, e.g. 256MiB, 512MiB or 1GiB; at least 64MiB. Pulled batches may hold 35 % of it and the frames of batches being encoded or sent 25 %; pulls and sends wait for their share instead of growing. A pull that would need more than its share is refused (the shard waits, a warning with reason too_large says so, siemship_sls_bad_answers_total counts it): lower SLS_MAX_FETCH_LOG_GROUPS for very large log groups, or raise this. The Go runtime's soft memory limit is set to 90 % of it, unless GOMEMLIMIT is set. More memory lets large pulls overlap with sending."`

	HTTPAddr string `envconfig:"SIEMSHIP_HTTP_ADDR" defaultdoc:"empty (off)" desc:"host:port of the HTTP server for /metrics (Prometheus), /healthz (liveness) and /readyz (readiness); empty turns it off. Use a loopback address such as 127.0.0.1:9090 unless something outside the host scrapes it; in Kubernetes use :9090 (every interface of the pod) so that the kubelet's probes and Prometheus reach it. The endpoints have no authentication; they show counters, shard numbers and the destination's address, no secrets and no log contents."`
}
