package mapping

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/rules"
)

// Options configure a Mapper. The zero value maps nothing.
type Options struct {
	// SeverityField names the field whose value gives each record's syslog severity through SeverityMap (or, for a
	// value the map does not hold, as a severity name or number). A record without the field, or whose value
	// neither gives, has Severity, the setting.
	SeverityField string
	SeverityMap   SeverityMap
	Severity      int
	// FacilityField names the field whose value (a facility name or number) gives each record's facility; a
	// record without a valid one keeps the setting.
	FacilityField string

	// Templates of header fields (nil: the setting). Hostname, AppName, MsgID are the syslog header's; Vendor,
	// Product, Version, Class and Name the format's (CEF: Device Event Class ID and Name; LEEF: EventID is Class).
	Hostname, AppName, MsgID              *Template
	Vendor, Product, Version, Class, Name *Template

	Renames    []Rename
	Keep, Drop []string // keys and prefixes (ParseFieldList); Keep empty keeps all, Drop wins over Keep
	Add        []Add

	// Rules, when not nil, are matched against every record first: the first matching rule may drop it, set its
	// severity (over SeverityField) and add its tag fields (before Add).
	Rules *rules.Set
}

// Mapper applies Options to log groups. It is safe for concurrent use.
type Mapper struct {
	o          Options
	renames    map[string]Rename
	keep, drop keyMatcher
	fields     bool // contents change: renames, keep, drop, adds or rule tags
	heads      bool // heads are computed
	rules      []rules.Rule
	drops      bool // a rule may drop
	matched    []atomic.Uint64
	dropped    []atomic.Uint64
}

// New checks o and builds a Mapper.
func New(o Options) (*Mapper, error) {
	var errs []error
	if err := header.ValidateSeverity(o.Severity); err != nil {
		errs = append(errs, fmt.Errorf("severity %d: %w", o.Severity, err))
	}
	if err := CheckSeverityField(o.SeverityField, o.SeverityMap); err != nil {
		errs = append(errs, err)
	}
	for _, a := range o.Add {
		if a.Key == "" || a.Value == nil {
			errs = append(errs, errors.New("an added field needs a key and a value"))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m := &Mapper{o: o, renames: map[string]Rename{}, keep: newKeyMatcher(o.Keep), drop: newKeyMatcher(o.Drop)}
	for _, r := range o.Renames {
		m.renames[r.From] = r
	}
	if o.Rules != nil {
		m.rules = o.Rules.Rules()
		m.matched = make([]atomic.Uint64, len(m.rules))
		m.dropped = make([]atomic.Uint64, len(m.rules))
	}
	tagged := false
	for _, r := range m.rules {
		m.drops = m.drops || r.Drop
		tagged = tagged || len(r.Tag) > 0
		m.heads = m.heads || r.Severity >= 0
	}
	m.fields = len(o.Renames) > 0 || !m.keep.empty() || !m.drop.empty() || len(o.Add) > 0 || tagged
	m.heads = m.heads || o.SeverityField != "" || o.FacilityField != ""
	for _, t := range m.templates() {
		m.heads = m.heads || t != nil
	}
	return m, nil
}

func (m *Mapper) templates() [8]*Template {
	o := &m.o
	return [8]*Template{o.Hostname, o.AppName, o.MsgID, o.Vendor, o.Product, o.Version, o.Class, o.Name}
}

// Active reports whether the Mapper changes anything; when it does not, the pipeline skips it.
func (m *Mapper) Active() bool { return m.heads || m.fields || len(m.rules) > 0 }

// Scratch is the working space of MapGroup for one goroutine; the zero value is ready. What MapGroup returns
// lives in it until the next call.
type Scratch struct {
	group  record.Group
	logs   []record.Log
	heads  []message.Head
	fields []record.Field
	ends   []int
	arena  arena       // the text of templates of several parts
	keys   []fieldRule // what appendFields decided for the key at each position, lately
	mapper *Mapper     // whose decisions keys holds
}

// Size is the memory the scratch holds, for the pipeline's frame budget.
func (s *Scratch) Size() int64 {
	return int64(cap(s.logs))*int64(unsafe.Sizeof(record.Log{})) + int64(cap(s.heads))*int64(unsafe.Sizeof(message.Head{})) +
		int64(cap(s.fields))*int64(unsafe.Sizeof(record.Field{})) + int64(cap(s.ends))*8 + s.arena.size()
}

// Release drops the scratch's references to the records of the last group (their strings share memory with the
// pulled batch, which must not be kept alive past its handling), keeping the capacity for the next batch.
func (s *Scratch) Release() {
	clear(s.logs[:cap(s.logs)])
	clear(s.heads[:cap(s.heads)])
	clear(s.fields[:cap(s.fields)])
	s.keys = s.keys[:0]
	s.group = record.Group{}
	s.arena.reset()
}

// Result is what MapGroup did to one group.
type Result struct {
	Dropped int // records a rule dropped
}

// MapGroup returns the group the encoder should write for g (g itself when no field changes and no record is
// dropped), one Head per log of it (nil when the Mapper chooses no header field), and what it dropped.
func (m *Mapper) MapGroup(g *record.Group, s *Scratch) (*record.Group, []message.Head, Result) {
	var res Result
	if !m.Active() {
		return g, nil, res
	}
	if len(s.keys) > 0 && s.mapper != m { // the key decisions are this mapper's
		s.keys = s.keys[:0]
	}
	s.mapper = m
	s.arena.reset()
	copyLogs := m.fields || m.drops
	s.logs, s.heads, s.fields, s.ends = s.logs[:0], s.heads[:0], s.fields[:0], s.ends[:0]
	for li := range g.Logs {
		l := &g.Logs[li]
		var rule *rules.Rule
		if len(m.rules) > 0 {
			if i := m.o.Rules.Match(g, l); i >= 0 {
				rule = &m.rules[i]
				m.matched[i].Add(1)
				if rule.Drop {
					m.dropped[i].Add(1)
					res.Dropped++
					continue
				}
			}
		}
		if m.heads {
			s.heads = append(s.heads, m.head(g, l, rule, &s.arena))
		}
		if copyLogs {
			s.logs = append(s.logs, *l)
			if m.fields {
				s.fields = m.appendFields(s.fields, l, s)
				if rule != nil {
					s.fields = append(s.fields, rule.Tag...)
				}
				for _, a := range m.o.Add {
					if v := a.Value.expand(g, l, &s.arena); v != "" {
						s.fields = append(s.fields, record.Field{Key: a.Key, Value: v})
					}
				}
				s.ends = append(s.ends, len(s.fields))
			}
		}
	}
	var heads []message.Head
	if m.heads {
		heads = s.heads
	}
	if !copyLogs {
		return g, heads, res
	}
	if m.fields { // s.fields may have moved while it grew: point the logs at it only now
		start := 0
		for i := range s.logs {
			s.logs[i].Contents = s.fields[start:s.ends[i]:s.ends[i]]
			start = s.ends[i]
		}
	}
	s.group = record.Group{Topic: g.Topic, Source: g.Source, Tags: g.Tags, Logs: s.logs}
	return &s.group, heads, res
}

// head returns the header fields chosen for log l of group g, which matched rule (nil: none).
func (m *Mapper) head(g *record.Group, l *record.Log, rule *rules.Rule, a *arena) message.Head {
	var h message.Head
	o := &m.o
	switch {
	case rule != nil && rule.Severity >= 0:
		h.Set |= message.HeadSeverity
		h.Severity = rule.Severity
	case o.SeverityField != "":
		h.Set |= message.HeadSeverity
		h.Severity = o.Severity
		if v, ok := g.Lookup(l, o.SeverityField); ok {
			if sev, ok := o.SeverityMap.Severity(v); ok {
				h.Severity = sev
			}
		}
	}
	if o.FacilityField != "" {
		if v, ok := g.Lookup(l, o.FacilityField); ok && v != "" {
			if f, err := header.ParseFacility(v); err == nil {
				h.Set |= message.HeadFacility
				h.Facility = f
			}
		}
	}
	for _, f := range [...]struct {
		t   *Template
		bit message.HeadFields
		to  *string
	}{
		{o.Hostname, message.HeadHostname, &h.Hostname}, {o.AppName, message.HeadAppName, &h.AppName},
		{o.MsgID, message.HeadMsgID, &h.MsgID}, {o.Vendor, message.HeadVendor, &h.Vendor},
		{o.Product, message.HeadProduct, &h.Product}, {o.Version, message.HeadVersion, &h.Version},
		{o.Class, message.HeadClass, &h.Class}, {o.Name, message.HeadName, &h.Name},
	} {
		if f.t != nil {
			h.Set |= f.bit
			*f.to = f.t.expand(g, l, a)
		}
	}
	return h
}

// RuleCount is what one rule did since start.
type RuleCount struct {
	Name             string
	Matched, Dropped uint64
}

// RuleCounts returns the counters of every rule, in file order.
func (m *Mapper) RuleCounts() []RuleCount {
	out := make([]RuleCount, len(m.rules))
	for i := range m.rules {
		out[i] = RuleCount{Name: m.rules[i].Name, Matched: m.matched[i].Load(), Dropped: m.dropped[i].Load()}
	}
	return out
}

// Match returns the rule that log l of group g matches, for siemship preview; nil when none.
func (m *Mapper) Match(g *record.Group, l *record.Log) *rules.Rule {
	if len(m.rules) == 0 {
		return nil
	}
	if i := m.o.Rules.Match(g, l); i >= 0 {
		return &m.rules[i]
	}
	return nil
}
