package receivers

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/realrecv"
)

// header is the syslog header siemship is configured with, and what the receivers must report for it.
type header struct {
	facility, severity string // SYSLOG_FACILITY, SYSLOG_SEVERITY as configured (names or numbers)
	pri                int    // facility*8+severity, written out by hand in each case
	hostname, app      string // SYSLOG_HOSTNAME, SYSLOG_APP_NAME
	procid, msgid      string // SYSLOG_PROCID, SYSLOG_MSGID; "-" is the NILVALUE
	sd                 string // SYSLOG_STRUCTURED_DATA; "" for none
	sdParams           map[string]string
	sep                string // SYSLOG_SEP; "" for the default "||"
}

func (h header) env() []string {
	env := []string{
		"SYSLOG_FACILITY=" + h.facility,
		"SYSLOG_SEVERITY=" + h.severity,
		"SYSLOG_HOSTNAME=" + h.hostname,
		"SYSLOG_APP_NAME=" + h.app,
		"SYSLOG_PROCID=" + h.procid,
		"SYSLOG_MSGID=" + h.msgid,
	}
	if h.sd != "" {
		env = append(env, "SYSLOG_STRUCTURED_DATA="+h.sd)
	}
	if h.sep != "" {
		env = append(env, "SYSLOG_SEP="+h.sep)
	}
	return env
}

func (h header) separator() string {
	if h.sep == "" {
		return kv.DefaultSeparator
	}
	return h.sep
}

// sdOrigin is structured data with two elements and every escape RFC 5424 §6.3.3 defines; its parameter names
// have no dots and do not repeat, so syslog-ng's rebuilt SD carries the same parameters.
const sdOrigin = `[origin@32473 env="prod" region="cn-hangzhou"][meta@32473 note="a \"quoted\" \] value \\ end"]`

var sdOriginParams = map[string]string{
	"origin@32473.env":    "prod",
	"origin@32473.region": "cn-hangzhou",
	"meta@32473.note":     `a "quoted" ] value \ end`,
}

// checkOptions relax the comparison for records the test made special.
type checkOptions struct {
	input     string          // the listener name the receiver must report
	truncated map[uint64]bool // records longer than SYSLOG_MAX_MESSAGE_BYTES: the last pair's value is cut
}

// check verifies that msgs, everything the receiver stored, are the records of wants, each exactly once, with every
// header field and payload pair as configured. It reports at most a few problems per kind.
func check(t *testing.T, msgs []realrecv.Parsed, wants map[uint64]want, h header, o checkOptions) {
	t.Helper()
	sep := h.separator()
	l := ledger.New(sep)
	for _, p := range msgs {
		l.Observe([]byte(p.Msg))
	}
	rep := l.Report()
	t.Logf("%d records, receiver stored %d messages: %d unique, %d duplicates, %d without seq",
		len(wants), rep.Received, rep.Unique, rep.Duplicates, rep.NoSeq)
	if rep.Received != uint64(len(wants)) || rep.Unique != uint64(len(wants)) || rep.Duplicates != 0 || rep.NoSeq != 0 {
		t.Errorf("want %d messages with %d distinct seq values and no duplicates; missing (first 20): %v",
			len(wants), len(wants), l.Missing(1, uint64(len(wants)), 20))
	}

	problems := map[string]int{}
	report := func(kind string, format string, args ...any) {
		t.Helper()
		problems[kind]++
		if problems[kind] <= 3 {
			t.Errorf(kind+": "+format, args...)
		}
	}
	pri := strconv.Itoa(h.pri)
	for i, p := range msgs {
		f := p.Fields()
		pairs, err := kv.ParsePayload(f.Msg, sep)
		if err != nil {
			report("payload", "message %d: %v in %q", i, err, f.Msg)
			continue
		}
		seq := seqOf(pairs)
		w, ok := wants[seq]
		if !ok {
			report("seq", "message %d has seq %d, which the emulator does not hold: %q", i, seq, p.Raw)
			continue
		}
		at := fmt.Sprintf("seq %d", seq)

		// RFC 5424 header. syslog-ng has no macro for VERSION: check it in the raw message (both receivers).
		if f.Pri != pri {
			report("PRI", "%s: %q, want %s", at, f.Pri, pri)
		}
		if p.Receiver == realrecv.ReceiverRsyslog && p.Version != "1" {
			report("VERSION", "%s: %q, want 1", at, p.Version)
		}
		if !strings.HasPrefix(p.Raw, "<"+pri+">1 ") {
			report("raw", "%s: raw message %q does not start with <%s>1", at, trunc(p.Raw), pri)
		}
		// siemship writes UTC with six digits and Z; rsyslog reports it as sent, syslog-ng as +00:00.
		sent := w.time.Format("2006-01-02T15:04:05.000000Z07:00")
		reported := sent
		if p.Receiver == realrecv.ReceiverSyslogNG {
			reported = w.time.Format("2006-01-02T15:04:05.000000") + "+00:00"
		}
		if p.Timestamp != reported {
			report("TIMESTAMP", "%s: %s reported %q, want %q", at, p.Receiver, p.Timestamp, reported)
		}
		if want := realrecv.NormalizeTimestamp(sent); f.Timestamp != want {
			report("TIMESTAMP", "%s: normalised %q, want %q", at, f.Timestamp, want)
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
		if o.input != "" && p.Input != o.input {
			report("input", "%s arrived on %q, want %q", at, p.Input, o.input)
		}

		// Payload: exactly the record's pairs.
		if o.truncated[seq] {
			checkTruncated(pairs, w.pairs, at, report)
		} else if !slices.Equal(pairs, w.pairs) {
			report("MSG", "%s: pairs differ\n got  %q\n want %q", at, truncPairs(pairs), truncPairs(w.pairs))
		}
	}
	if len(problems) > 0 {
		t.Errorf("problems by kind (all messages): %v", problems)
	}
}

// checkSD compares the structured data: rsyslog reports it verbatim, syslog-ng rebuilds it from the parameters it
// parsed (reported unescaped in SDParams); for SD without dotted or repeated names the rebuilt text is identical.
func checkSD(p realrecv.Parsed, h header, at string, report func(string, string, ...any)) {
	f := p.Fields()
	if h.sd == "" {
		if f.SD != "" || len(p.SDParams) != 0 {
			report("SD", "%s: %q (params %v), want none", at, p.SD, p.SDParams)
		}
		return
	}
	if p.SD != h.sd {
		report("SD", "%s: %s reported %q, want it as configured: %q", at, p.Receiver, p.SD, h.sd)
	}
	elems, err := realrecv.ParseSD(p.SD)
	if err != nil {
		report("SD", "%s: %v", at, err)
		return
	}
	if got := realrecv.SDParamMap(elems); !maps.Equal(got, h.sdParams) {
		report("SD", "%s: %q parses to %v, want %v", at, p.SD, got, h.sdParams)
	}
	if p.Receiver == realrecv.ReceiverSyslogNG && !maps.Equal(p.SDParams, h.sdParams) {
		report("SD", "%s: syslog-ng sdparams %v, want %v", at, p.SDParams, h.sdParams)
	}
}

// checkTruncated accepts a payload cut at the size limit: every pair but the last is intact, and the last one is
// a prefix of the corresponding original pair.
func checkTruncated(got, want []record.Field, at string, report func(string, string, ...any)) {
	n := len(got)
	if n == 0 || n > len(want) || !slices.Equal(got[:n-1], want[:n-1]) {
		report("MSG", "%s (truncated): %d pairs do not start the %d original pairs", at, n, len(want))
		return
	}
	last, orig := got[n-1], want[n-1]
	if last.Key != orig.Key || !strings.HasPrefix(orig.Value, last.Value) || len(last.Value) >= len(orig.Value) {
		report("MSG", "%s (truncated): last pair %q=%d bytes is not a proper prefix of %q=%d bytes",
			at, last.Key, len(last.Value), orig.Key, len(orig.Value))
	}
}

func seqOf(pairs []record.Field) uint64 {
	for _, p := range pairs {
		if p.Key == "seq" {
			v, _ := strconv.ParseUint(p.Value, 10, 64)
			return v
		}
	}
	return 0
}

func nilValue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func trunc(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func truncPairs(p []record.Field) string {
	return trunc(fmt.Sprintf("%q", p))
}
