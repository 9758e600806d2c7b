package receivers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/realrecv"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// hostileSeqTruncated is the record whose 100 KB value exceeds SYSLOG_MAX_MESSAGE_BYTES.
const hostileSeqTruncated = 12

// hostileGroups are log groups whose topic, source, tags, keys and values try to break the framing and the payload:
// a newline followed by a forged syslog line, CR LF followed by a forged octet-counted frame, control bytes,
// separators and '=' in keys and values, a fake seq pair, invalid UTF-8, Unicode line separators, 500 fields and a
// 100 KB value. Every log carries a seq pair (1..n, not always first) so the ledger can count it.
func hostileGroups() []*sls.LogGroup {
	base := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	n := 0
	log := func(ns uint32, kv ...string) *sls.Log {
		n++
		sec := uint32(base.Unix()) + uint32(n)*61
		l := &sls.Log{Time: &sec, TimeNs: &ns}
		for i := 0; i+1 < len(kv); i += 2 {
			l.Contents = append(l.Contents, content(kv[i], kv[i+1]))
		}
		if !slices.ContainsFunc(l.Contents, func(c *sls.LogContent) bool { return c.GetKey() == "seq" }) {
			l.Contents = slices.Insert(l.Contents, 0, content("seq", strconv.Itoa(n)))
		}
		return l
	}
	many := make([]string, 0, 1000)
	for i := range 500 {
		many = append(many, fmt.Sprintf("f%03d", i), fmt.Sprintf("v%d|", i))
	}
	forged := &sls.LogGroup{
		Topic:  str("topic\n<13>1 2025-01-01T00:00:00Z forged-host forged - - - FORGED TOPIC"),
		Source: str("10.0.0.1||__source__=forged"),
		LogTags: []*sls.LogTag{
			{Key: str("__hostname__"), Value: str("host\r\n<13>1 - forged-host - - - - FORGED TAG")},
			{Key: str("k=ey||x"), Value: str("v\x00\x1b")},
		},
		Logs: []*sls.Log{
			log(123456789, "msg", "first line\n<13>1 2025-01-01T00:00:00Z forged-host forged 1 - - FORGED LF"),
			log(999999999, "msg", "cr lf\r\n57 <13>1 2025-01-01T00:00:00Z forged-host forged 2 - - FORGED OCTET"),
			log(0, "ctl", "nul\x00 bel\x07 bs\x08 esc\x1b[31m del\x7f tab\t vt\v ff\f us\x1f", "tab\tkey", "x"),
			log(1000, "a||b", "x||y=z", "k=v", "v=w", "trail", "ends with |", "bs", `back\slash\||\`, "fake", "||seq=999999"),
			log(500, "bad", "\xff\xfe invalid \xc3 utf-8 \xed\xa0\x80", "\xe2\x28\xa1key", "v", "ok", "après"),
			log(1, "unicode", "NEL\u0085 LS\u2028 PS\u2029 BOM\ufeff mid 中文 🙂", "rtl", "\u202eevil"),
			log(42, "", "empty key", "empty", "", "=", "=", "|", "|"),
			log(7, "before", "x", "seq", "8", "after", "y"), // seq not first
			log(8, many...),
			log(9, "sep at end", "value||", "space", " leading and trailing "),
			log(10, "json", `{"a":"b\"c","d":[1,2]}`, "html", "<script>alert(1)</script>", "pct", "%s %n %d"),
			log(11, "big", strings.Repeat("0123456789abcde\n", 100<<10/16), "after-big", "lost"),
		},
	}
	plain := &sls.LogGroup{Topic: str(""), Source: str(""), Logs: []*sls.Log{
		log(12, "msg", "ordinary record after the hostile ones"),
	}}
	return []*sls.LogGroup{forged, plain}
}

func content(k, v string) *sls.LogContent { return &sls.LogContent{Key: str(k), Value: str(v)} }

func str(s string) *string { return &s }

// TestHostileRecords sends the hostile records to both receivers in both framings and shows that each arrives as
// exactly one message whose fields and payload pairs are the record's own: nothing in a record can end the line,
// forge a second message or shift a pair boundary, in the receiver's parsed output too.
func TestHostileRecords(t *testing.T) {
	t.Parallel()
	h := header{facility: "local2", severity: "warning", pri: 18*8 + 4,
		hostname: "e2e-host", app: "siemship", procid: "4242", msgid: "HOSTILE"}
	for _, d := range []delivery{
		{name: "rsyslog lf", start: rsyslog(realrecv.RsyslogOptions{}), listener: realrecv.ListenerLF,
			input: realrecv.ListenerTCP, protocol: "tcp", extra: []string{"SYSLOG_FRAMING=lf"}},
		{name: "rsyslog octet", start: rsyslog(realrecv.RsyslogOptions{}), listener: realrecv.ListenerTCP,
			input: realrecv.ListenerTCP, protocol: "tcp", extra: []string{"SYSLOG_FRAMING=octet"}},
		{name: "syslog-ng network lf", start: syslogNG(realrecv.SyslogNGOptions{}), listener: realrecv.ListenerLF,
			input: realrecv.ListenerLF, protocol: "tcp", extra: []string{"SYSLOG_FRAMING=lf"}},
		{name: "syslog-ng syslog octet", start: syslogNG(realrecv.SyslogNGOptions{}), listener: realrecv.ListenerTCP,
			input: realrecv.ListenerTCP, protocol: "tcp", extra: []string{"SYSLOG_FRAMING=octet"}},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), caseTimeout)
			defer cancel()
			rr := d.start(t)
			e := harness.StartEmulator(t, 1, 0)
			if _, err := e.Put(harness.Project, harness.Logstore, slsemu.AnyShard, hostileGroups()...); err != nil {
				t.Fatal(err)
			}
			wants := expected(t, e)
			s := startShipper(t, e.Env(rr.Addr(d.listener), d.protocol, append(h.env(), d.extra...)...))
			waitCheckpointed(ctx, t, e)
			waitStored(ctx, t, rr, len(wants))
			if err := s.stop(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			st := s.app.Stats()
			t.Logf("stats %+v", st)
			if st.Records != uint64(len(wants)) || st.Failures != 0 || st.Truncated != 1 || st.Sanitized == 0 {
				t.Errorf("stats %+v: want %d records, no failures, 1 truncated, some sanitized", st, len(wants))
			}
			msgs, err := rr.Messages()
			if err != nil {
				t.Fatal(err)
			}
			check(t, msgs, wants, h, checkOptions{input: d.input, truncated: map[uint64]bool{hostileSeqTruncated: true}})
			for _, p := range msgs {
				if strings.Contains(p.Hostname+p.App+p.ProcID+p.MsgID, "forged") {
					t.Errorf("forged header fields in %+v", p)
				}
			}
		})
	}
}
