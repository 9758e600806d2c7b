package hecemu

import "github.com/siemship/siemship/internal/testgear/ledger"

// SeqLedger counts the generated records among the indexed events (the json format's object, seq a string), for
// tests that check loss and duplicates once a run is over.
func (s *Server) SeqLedger() *ledger.Ledger {
	l := ledger.NewKey(ledger.SeqKey("json", "", ""))
	for _, ev := range s.Events() {
		l.Observe(ev.Event)
	}
	return l
}
