//go:build chaos

package chaos

import (
	"strings"
	"sync"
	"testing"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/realrecv"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// target is the SIEM of a case: it counts what arrived by seq.
type target interface {
	addr(mode string) string
	report() ledger.Report
	// missing lists up to limit seq values in [first, last] that never arrived.
	missing(first, last uint64, limit int) []uint64
}

// sink is internal/testgear/syslogrecv in the test process (harness.Sink): it can restart on the same port and stop reading.
type sink struct{ *harness.Sink }

func startSink(t testing.TB) sink {
	return sink{harness.StartSink(t, syslogrecv.Options{MaxMessageBytes: 2 << 20}, false)}
}

func (s sink) addr(string) string    { return s.Addr() }
func (s sink) report() ledger.Report { return s.Led.Report() }
func (s sink) missing(first, last uint64, limit int) []uint64 {
	return s.Led.Missing(first, last, limit)
}

// rsys is a private rsyslogd with a plain TCP and a RELP listener; its JSON output file is read incrementally.
type rsys struct {
	*realrecv.Rsyslog
	t testing.TB

	mu   sync.Mutex
	led  *ledger.Ledger
	seen int
}

// startRsyslog starts rsyslog with the listeners mode needs (plain TCP and RELP always), inside ns when it is
// not nil.
func startRsyslog(t testing.TB, mode string, ns *isolated) *rsys {
	t.Helper()
	o := realrecv.RsyslogOptions{RELP: true, MTLS: strings.HasPrefix(mode, "tls/"), RELPTLS: mode == "relp-tls"}
	if ns != nil {
		o.NetNS, o.Address = ns.name, ns.addr
	}
	return &rsys{Rsyslog: realrecv.StartRsyslog(t, o), t: t, led: ledger.New("||")}
}

func (r *rsys) addr(mode string) string {
	switch {
	case mode == "relp":
		return r.Addr(realrecv.ListenerRELP)
	case mode == "relp-tls":
		return r.Addr(realrecv.ListenerRELPTLS)
	case strings.HasPrefix(mode, "tls/"):
		return r.Addr(realrecv.ListenerMTLS)
	}
	return r.Addr(realrecv.ListenerTCP)
}

func (r *rsys) missing(first, last uint64, limit int) []uint64 {
	r.report()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.led.Missing(first, last, limit)
}

func (r *rsys) report() ledger.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	msgs, err := r.Messages()
	if err != nil {
		r.t.Errorf("rsyslog output: %v", err)
	}
	for _, m := range msgs[min(r.seen, len(msgs)):] {
		r.led.Observe([]byte(m.Msg))
	}
	r.seen = max(r.seen, len(msgs))
	return r.led.Report()
}
