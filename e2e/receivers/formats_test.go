package receivers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/realrecv"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// TestFormats ships the same records in every format (SIEMSHIP_FORMAT kv, cef, leef, json) behind every syslog
// header (SYSLOG_HEADER rfc5424, rfc3164, and none for json) to real rsyslog and syslog-ng, and checks what they
// stored: exactly one message per record (the seq ledger, and the seq of each parsed body), the syslog header as
// the receiver parsed it (PRI, HOSTNAME, APP-NAME or TAG, PROCID, MSGID, STRUCTURED-DATA, and the RFC 3164
// timestamp read in the receiver's zone), and the body as a parser siemship's encoders do not share code with
// recovers it, equal to the record after the transforms docs/format.md lists for the format:
//
//   - kv: kv.ParsePayload on MSG, byte for byte, invalid UTF-8 included;
//   - cef: refparse.ParseCEF on the raw message, and liblognorm's CEF parser in rsyslog's mmnormalize with its
//     2.0.6 quirks (docs/receivers.md §6.3); syslog-ng 3.38 has no CEF parser;
//   - leef: refparse.ParseLEEF on the raw message (no LEEF parser siemship did not write runs here:
//     docs/siem-parsers.md);
//   - json: encoding/json on MSG, rsyslog's mmjsonparse and syslog-ng's json-parser(), with their quirks
//     (docs/receivers.md §6.2).
//
// The records are generated ActionTrail-like ones, the hostile ones of TestHostileRecords and formatGroups, which
// aim at the formats' own transforms. The expectations are written from docs/format.md, not with the encoders.
//
// Bare JSON (SYSLOG_HEADER=none) reaches rsyslog whole: its RFC 3164 fallback parser leaves a line without PRI,
// timestamp and TAG in MSG (PRI 13, HOSTNAME the sender's address), and mmjsonparse reads it. syslog-ng's parsing
// sources would take `{"__time__"` for a TAG (realrecv's rfc3164_test.go pins that), so its bare cases give the
// sources flags(no-parse), as a syslog-ng that receives JSON lines needs; json-parser() then reads the whole line.
//
// The cases mostly wait (for the consumer group's first assignment and for the SDK's shutdown, which polls every
// 500 ms), so they run formatConcurrency at a time rather than -parallel's GOMAXPROCS, which is 2 here.
func TestFormats(t *testing.T) {
	t.Parallel()
	sem := make(chan struct{}, formatConcurrency)
	var wg sync.WaitGroup
	for _, c := range formatCases() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(c.name(), func(t *testing.T) { runFormat(t, c) })
		}()
	}
	wg.Wait()
}

// formatConcurrency is how many cases of TestFormats run at once.
const formatConcurrency = 4 // more ran 7.5 s alone but puts 11 shippers and their receivers on 2 cores beside the rest of the suite

// formatGenerated is the number of generated records of each case (seq 1..formatGenerated); the hostile and
// format records follow them.
const formatGenerated = 200

// formatZone is SYSLOG_RFC3164_TIMEZONE in the rfc3164 cases, and formatReceiverZone the same zone as the
// receivers' TZ: an RFC 3164 stamp carries no zone, so sender and receiver must agree on one.
const (
	formatZone         = "Asia/Shanghai"
	formatReceiverZone = "CST-8"
)

var formatLoc = time.FixedZone("CST", 8*3600) // Asia/Shanghai has had no daylight saving time since 1991

// formatCase is one format behind one header, sent to one receiver in one framing.
type formatCase struct {
	format   string   // SIEMSHIP_FORMAT
	header   string   // SYSLOG_HEADER
	receiver string   // realrecv.ReceiverRsyslog or realrecv.ReceiverSyslogNG
	framing  string   // SYSLOG_FRAMING: octet or lf
	env      []string // the format's own settings (CEF_*, LEEF_*)
}

func (c formatCase) name() string {
	return fmt.Sprintf("%s/%s/%s-%s", c.format, c.header, c.receiver, c.framing)
}

// headerConf is the syslog header configured for each SYSLOG_HEADER: RFC 5424 with every field and structured
// data; RFC 3164 with a TAG and a PROCID (its TAG is "sls-audit[77]:"), no MSGID and no STRUCTURED-DATA, which
// RFC 3164 has no place for; none with the header fields unset.
func headerConf(h string) header {
	switch h {
	case "rfc5424":
		return header{facility: "local2", severity: "warning", pri: 18*8 + 4, hostname: "e2e-host", app: "siemship",
			procid: "4242", msgid: "FORMATS", sd: sdOrigin, sdParams: sdOriginParams}
	case "rfc3164":
		return header{facility: "local5", severity: "err", pri: 21*8 + 3, hostname: "shipper-01.example.com",
			app: "sls-audit", procid: "77", msgid: "-"}
	}
	return header{facility: "user", severity: "notice", pri: 13, hostname: "-", app: "-", procid: "-", msgid: "-"}
}

// formatCases is the matrix: every format behind rfc5424 and rfc3164, to rsyslog and to syslog-ng, and json
// without a header to both in both framings. The framing alternates so that each format reaches each receiver
// in both (syslog-ng: syslog() takes octet counting only, network() LF only). The rfc3164 cases also set the
// format's header settings and LEEF's ^ delimiter; the rfc5424 cases keep the defaults.
func formatCases() []formatCase {
	var out []formatCase
	for _, f := range []string{"kv", "cef", "leef", "json"} {
		for _, h := range []string{"rfc5424", "rfc3164"} {
			var env []string
			if h == "rfc3164" {
				switch f {
				case "cef":
					env = []string{`CEF_VENDOR=Alibaba|Cloud \ test`, "CEF_PRODUCT=SLS", "CEF_VERSION=1.0",
						"CEF_EVENT_CLASS=audit|event", `CEF_NAME=Audit \ event`, "CEF_SEVERITY=8"}
				case "leef":
					env = []string{"LEEF_DELIMITER=^", "LEEF_EVENT_ID=audit", "LEEF_PRODUCT_VERSION=2.1"}
				}
			}
			swap := (f == "cef" || f == "json") != (h == "rfc3164")
			out = append(out,
				formatCase{format: f, header: h, receiver: realrecv.ReceiverRsyslog, framing: either(swap, "octet", "lf"), env: env},
				formatCase{format: f, header: h, receiver: realrecv.ReceiverSyslogNG, framing: either(swap, "lf", "octet"), env: env})
		}
	}
	return append(out,
		formatCase{format: "json", header: "none", receiver: realrecv.ReceiverRsyslog, framing: "lf"},
		formatCase{format: "json", header: "none", receiver: realrecv.ReceiverRsyslog, framing: "octet"},
		formatCase{format: "json", header: "none", receiver: realrecv.ReceiverSyslogNG, framing: "lf"},
		formatCase{format: "json", header: "none", receiver: realrecv.ReceiverSyslogNG, framing: "octet"})
}

func either(first bool, a, b string) string {
	if first {
		return a
	}
	return b
}

// start starts the case's receiver with the body parser of its format and, for rfc3164, in formatZone; it returns
// the receiver and the listener to send to.
func (c formatCase) start(t *testing.T) (realrecv.Receiver, string) {
	tz := ""
	if c.header == "rfc3164" {
		tz = formatReceiverZone
	}
	if c.receiver == realrecv.ReceiverRsyslog {
		// one imtcp port takes both framings
		return realrecv.StartRsyslog(t, realrecv.RsyslogOptions{ParseJSON: c.format == "json",
			ParseCEF: c.format == "cef", TimeZone: tz}), realrecv.ListenerTCP
	}
	listener := realrecv.ListenerTCP // syslog(): octet counting
	if c.framing == "lf" {
		listener = realrecv.ListenerLF // network(): LF
	}
	// Without a header, syslog-ng must not parse one (flags(no-parse)): its sources would take `{"__time__"` for a
	// TAG.
	return realrecv.StartSyslogNG(t, realrecv.SyslogNGOptions{ParseJSON: c.format == "json", TimeZone: tz,
		NoParse: c.header == "none"}), listener
}

// formatRun is what one case sent and what the receiver stored.
type formatRun struct {
	c          formatCase
	h          header
	env        []string          // siemship's environment
	listener   string            // the listener name the receiver reports
	recs       map[uint64]pulled // the records by seq
	cut        uint64            // the seq of the record longer than SYSLOG_MAX_MESSAGE_BYTES
	start, end time.Time         // around the run: the receive time of a message without a timestamp is in between
}

func runFormat(t *testing.T, c formatCase) {
	ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
	defer cancel()
	rr, listener := c.start(t)
	e := harness.StartEmulator(t, deliveryShards, 0)
	cut := putFormatRecords(t, e)
	recs := map[uint64]pulled{}
	for _, r := range pullAll(t, e) {
		recs[r.seq] = r
	}

	h := headerConf(c.header)
	env := append(h.env(), "SIEMSHIP_FORMAT="+c.format, "SYSLOG_HEADER="+c.header, "SYSLOG_FRAMING="+c.framing)
	if c.header == "rfc3164" {
		env = append(env, "SYSLOG_RFC3164_TIMEZONE="+formatZone)
	}
	env = append(env, c.env...)
	env = e.Env(rr.Addr(listener), "tcp", env...)
	run := formatRun{c: c, h: h, env: env, listener: listener, recs: recs, cut: cut, start: time.Now()}
	s := startShipper(t, env)
	waitCheckpointed(ctx, t, e)
	waitStored(ctx, t, rr, len(recs))
	if err := s.stop(); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	run.end = time.Now()
	st := s.app.Stats()
	t.Logf("stats %+v", st)
	if st.Records != uint64(len(recs)) || st.Failures != 0 || st.Truncated != 1 || st.Sanitized == 0 {
		t.Errorf("stats %+v: want %d records, no failures, 1 truncated, some sanitized", st, len(recs))
	}
	// Read after the shutdown, so that a late duplicate would be counted too.
	msgs, err := rr.Messages()
	if err != nil {
		t.Fatal(err)
	}
	run.check(t, msgs)
}

// putFormatRecords puts the records of a case into the emulator: formatGenerated generated records, then the
// hostile records and the format records with their seq values moved past the generated ones. It returns the seq
// of the hostile record that SYSLOG_MAX_MESSAGE_BYTES cuts.
func putFormatRecords(t *testing.T, e *harness.Emulator) uint64 {
	t.Helper()
	generate(t, e, formatGenerated, 4)
	hostile, extra := hostileGroups(), formatGroups()
	n := renumber(hostile, formatGenerated)
	renumber(extra, formatGenerated+n)
	if _, err := e.Put(harness.Project, harness.Logstore, slsemu.AnyShard, append(hostile, extra...)...); err != nil {
		t.Fatal(err)
	}
	return formatGenerated + hostileSeqTruncated
}

// renumber adds offset to the seq field of every log of groups and returns the number of logs.
func renumber(groups []*sls.LogGroup, offset int) int {
	n := 0
	for _, g := range groups {
		for _, l := range g.Logs {
			n++
			for _, c := range l.Contents {
				if c.GetKey() == "seq" {
					v, err := strconv.Atoi(c.GetValue())
					if err != nil {
						panic(err)
					}
					c.Value = str(strconv.Itoa(v + offset))
				}
			}
		}
	}
	return n
}

// formatGroups are records aimed at what each format does to keys and values (docs/format.md): CEF's key escapes,
// consumer keys and the final value's trailing spaces and emptiness; LEEF's unique keys, the delimiter and the
// characters a key cannot hold; JSON's renamed repeats and reserved marker; and values that look like a header or a
// pair of another format. One log has no time. Every log has a seq field, numbered from 1 (see renumber).
func formatGroups() []*sls.LogGroup {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	n := 0
	log := func(sec, ns uint32, kv ...string) *sls.Log {
		n++
		l := &sls.Log{Time: &sec, TimeNs: &ns}
		l.Contents = append(l.Contents, content("seq", strconv.Itoa(n)))
		for i := 0; i+1 < len(kv); i += 2 {
			l.Contents = append(l.Contents, content(kv[i], kv[i+1]))
		}
		return l
	}
	at := func(i int) uint32 { return uint32(base.Unix()) + uint32(i)*3607 }
	return []*sls.LogGroup{{
		Topic:  str(`audit|class\name=x`),
		Source: str("src^1"),
		LogTags: []*sls.LogTag{
			{Key: str("a.b"), Value: str("tag^value|x")},
			{Key: str("devTime"), Value: str("a tag named devTime")},
		},
		Logs: []*sls.Log{
			// docs/format.md's JSON example; repeated keys for LEEF's _<n> and liblognorm's last-value-wins
			log(at(1), 1_500_000, "k", "1", "k", "2", "k#2", "3", "k", "4", "__topic__", "c"),
			// names of what siemship writes itself; CEF dictionary, consumer and x-escape keys
			log(at(2), 999_999_999, "rt", "0", "slsTopic", "t2", "devTime", "0", "__truncated__", "no", "eventId", "E-1",
				"x", "x", "x41", "hex", "indexDB", "db", "src", "1.2.3.4", "suser", "alice", "userIdentity.type", "ram-user"),
			// other formats' syntax in values and keys
			log(at(3), 0, "msg", "ok\n<13>1 - evil - - - LEEF:2.0|evil|P|1|41|^|src=6.6.6.6", "a=b|c", "x^y\tz",
				"cef", "CEF:0|evil|P|1|2|N|10|act=forged suser=root", "kv", "||seq=1||k=v",
				"json", `","__topic__":"forged`, "CEF:0|k", "v"),
			// spaces around values, escapes, and an empty final value
			log(at(4), 7, "spaces", "  two leading and two trailing  ", "mid", "a  b", "eq", `a=b c=d \= \`,
				"last", ""),
			// no time: kv and RFC 5424 send the NILVALUE, RFC 3164 the encoding time, CEF no rt, LEEF no devTime,
			// json "__time__":null
			log(0, 0, "msg", "a log without a time"),
		},
	}}
}

// check verifies everything the receiver stored: each record exactly once, its syslog header and its body.
func (run formatRun) check(t *testing.T, msgs []realrecv.Parsed) {
	t.Helper()
	l := ledger.NewKey(ledger.KeyFromEnv(run.env))
	for _, p := range msgs {
		l.Observe([]byte(p.Raw))
	}
	rep := l.Report()
	n := uint64(len(run.recs))
	t.Logf("%d records, receiver stored %d messages: %d unique, %d duplicates, %d without seq",
		n, rep.Received, rep.Unique, rep.Duplicates, rep.NoSeq)
	if rep.Received != n || rep.Unique != n || rep.Duplicates != 0 || rep.NoSeq != 0 {
		t.Errorf("ledger: want %d messages with %d distinct seq values and no duplicates; missing (first 20): %v",
			n, n, l.Missing(1, n, 20))
	}

	problems := map[string]int{}
	report := func(kind string, format string, args ...any) {
		t.Helper()
		problems[kind]++
		if problems[kind] <= 3 {
			t.Errorf(kind+": "+format, args...)
		}
	}
	seen := map[uint64]int{}
	for i, p := range msgs {
		var seq uint64
		switch run.c.format {
		case "kv":
			seq = run.checkKV(p, report)
		case "cef":
			seq = run.checkCEF(p, report)
		case "leef":
			seq = run.checkLEEF(p, report)
		case "json":
			seq = run.checkJSON(p, report)
		}
		if seq == 0 {
			report("body", "message %d: no record found for %q", i, trunc(p.Raw))
			continue
		}
		seen[seq]++
		run.checkHeader(p, run.recs[seq], report)
		if p.Input != run.listener {
			report("input", "seq %d arrived on %q, want %q", seq, p.Input, run.listener)
		}
	}
	for seq := range run.recs {
		if seen[seq] != 1 {
			report("count", "seq %d: %d messages whose body has it, want 1", seq, seen[seq])
		}
	}
	if len(problems) > 0 {
		t.Errorf("problems by kind (all messages): %v", problems)
	}
}

// checkHeader compares the syslog header the receiver parsed with the configured one and the record's time.
func (run formatRun) checkHeader(p realrecv.Parsed, r pulled, report func(string, string, ...any)) {
	f := p.Fields()
	h := run.h
	at := fmt.Sprintf("seq %d", r.seq)
	sec, ns := r.log.GetTime(), r.log.GetTimeNs()
	noTime := sec == 0 && ns == 0
	rt := time.Unix(int64(sec), int64(ns)).UTC()
	pri := strconv.Itoa(h.pri)
	if f.Pri != pri {
		report("PRI", "%s: %q, want %s", at, f.Pri, pri)
	}
	// inWindow: the receive time (a NILVALUE timestamp) or the encoding time (RFC 3164 without a time)
	inWindow := func(ts string) bool {
		got, err := time.Parse(time.RFC3339Nano, ts)
		return err == nil && !got.Before(run.start.Add(-2*time.Second)) && !got.After(run.end.Add(2*time.Second))
	}

	switch run.c.header {
	case "rfc5424":
		if p.Receiver == realrecv.ReceiverRsyslog && p.Version != "1" {
			report("VERSION", "%s: %q, want 1", at, p.Version)
		}
		stamp := "-"
		if !noTime {
			stamp = rt.Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z07:00")
		}
		if want := fmt.Sprintf("<%s>1 %s %s %s %s %s ", pri, stamp, h.hostname, h.app, h.procid, h.msgid); !strings.HasPrefix(p.Raw, want) {
			report("raw", "%s: raw message %q does not start with %q", at, trunc(p.Raw), want)
		}
		switch {
		case noTime:
			if !inWindow(f.Timestamp) {
				report("TIMESTAMP", "%s: %q for the NILVALUE, want the receive time", at, p.Timestamp)
			}
		case p.Receiver == realrecv.ReceiverSyslogNG:
			if want := rt.Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000") + "+00:00"; p.Timestamp != want {
				report("TIMESTAMP", "%s: syslog-ng reported %q, want %q", at, p.Timestamp, want)
			}
		case p.Timestamp != stamp:
			report("TIMESTAMP", "%s: rsyslog reported %q, want %q", at, p.Timestamp, stamp)
		}
		for _, c := range []struct{ field, got, want string }{
			{"HOSTNAME", f.Hostname, nilValue(h.hostname)},
			{"APP-NAME", f.App, nilValue(h.app)},
			{"PROCID", f.ProcID, nilValue(h.procid)},
			{"MSGID", f.MsgID, nilValue(h.msgid)},
		} {
			if c.got != c.want {
				report(c.field, "%s: %q, want %q", at, c.got, c.want)
			}
		}
		checkSD(p, h, at, report)

	case "rfc3164":
		if p.Receiver == realrecv.ReceiverRsyslog && p.Version != "0" {
			report("VERSION", "%s: %q, want 0 (RFC 3164)", at, p.Version)
		}
		tag := h.app + "[" + h.procid + "]: "
		if noTime {
			// the encoding time, in formatZone
			prefix := "<" + pri + ">"
			if !strings.HasPrefix(p.Raw, prefix) || len(p.Raw) < len(prefix)+16 ||
				!strings.HasPrefix(p.Raw[len(prefix)+16:], h.hostname+" "+tag) || !inWindow(f.Timestamp) {
				report("TIMESTAMP", "%s: raw %q, reported %q: want the encoding time", at, trunc(p.Raw), p.Timestamp)
			}
		} else {
			stamp := rt.In(formatLoc)
			if want := "<" + pri + ">" + stamp.Format(time.Stamp) + " " + h.hostname + " " + tag; !strings.HasPrefix(p.Raw, want) {
				report("raw", "%s: raw message %q does not start with %q", at, trunc(p.Raw), want)
			}
			// The receiver reads the stamp in its zone (the same as formatZone) and adds a year of its own.
			if w1, w2 := want3164(p.Receiver, stamp, run.start), want3164(p.Receiver, stamp, run.end); f.Timestamp != w1 && f.Timestamp != w2 {
				report("TIMESTAMP", "%s: %s reported %q, want %q", at, p.Receiver, p.Timestamp, w1)
			}
		}
		if !strings.HasSuffix(p.Timestamp, "+08:00") {
			report("TIMESTAMP", "%s: %q is not in the receiver's zone +08:00", at, p.Timestamp)
		}
		for _, c := range []struct{ field, got, want string }{
			{"HOSTNAME", f.Hostname, h.hostname},
			{"TAG", f.App, h.app},
			{"PROCID", f.ProcID, h.procid},
			{"MSGID", f.MsgID, ""},
			{"SD", f.SD, ""},
		} {
			if c.got != c.want {
				report(c.field, "%s: %q, want %q", at, c.got, c.want)
			}
		}

	case "none":
		// A line without a header (rsyslog's fallback parser, syslog-ng's flags(no-parse)): PRI 13 (user.notice),
		// the sender's address for HOSTNAME, no TAG, the receive time, and the whole line in MSG.
		if !strings.HasPrefix(p.Raw, `{"__time__":`) || f.Msg != p.Raw {
			report("raw", "%s: raw %q and MSG %q: want the object in both", at, trunc(p.Raw), trunc(f.Msg))
		}
		if !inWindow(f.Timestamp) {
			report("TIMESTAMP", "%s: %q, want the receive time", at, p.Timestamp)
		}
		for _, c := range []struct{ field, got, want string }{
			{"HOSTNAME", f.Hostname, "127.0.0.1"},
			{"APP-NAME", f.App, ""},
			{"PROCID", f.ProcID, ""},
			{"MSGID", f.MsgID, ""},
			{"SD", f.SD, ""},
		} {
			if c.got != c.want {
				report(c.field, "%s: %q, want %q", at, c.got, c.want)
			}
		}
	}
}

// want3164 is the instant a receiver makes of an RFC 3164 stamp (its fields in formatLoc) received at now, as
// normalised by Parsed.Fields (realrecv.Parsed.Timestamp documents the rules): the receive time's year; syslog-ng
// moves a January stamp received in December to the next year and a December stamp received in January to the
// previous one.
func want3164(receiver string, stamp, now time.Time) string {
	now = now.In(formatLoc)
	year := now.Year()
	if receiver == realrecv.ReceiverSyslogNG {
		switch {
		case stamp.Month() == time.January && now.Month() == time.December:
			year++
		case stamp.Month() == time.December && now.Month() == time.January:
			year--
		}
	}
	return time.Date(year, stamp.Month(), stamp.Day(), stamp.Hour(), stamp.Minute(), stamp.Second(), 0, formatLoc).
		UTC().Format(time.RFC3339Nano)
}
