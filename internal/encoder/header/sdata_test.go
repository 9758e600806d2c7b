package header

import (
	"testing"

	"github.com/crewjam/rfc5424"
)

func TestValidateSD(t *testing.T) {
	valid := []string{
		"-",
		`[siemship@32473]`,
		`[siemship@32473 src="sls"]`,
		`[siemship@32473 project="p1" logstore="audit"][origin ip="10.0.0.1"]`,
		`[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]`,
		`[meta sequenceId="1"][timeQuality tzKnown="1"]`,
		`[x@32473.1.2 v="a \"quoted\" \\ back\]slash"]`,
		`[x@1 v=""]`,
		`[x@1 v="日本語 ünïcödé"]`,
		`[abcdefghijklmnopqrstuvwxyz@12345 abcdefghijklmnopqrstuvwxyzabcdef="32-char name"]`,
	}
	for _, s := range valid {
		if err := ValidateStructuredData(s); err != nil {
			t.Errorf("ValidateStructuredData(%q) = %v", s, err)
			continue
		}
		// Oracle: crewjam's parser reads it back as structured data.
		var m rfc5424.Message
		if err := m.UnmarshalBinary([]byte("<14>1 2026-11-23T09:22:25Z h a p m " + s + " msg")); err != nil || string(m.Message) != "msg" {
			t.Errorf("crewjam rejects %q: %v (message %q)", s, err, m.Message)
		}
	}
	invalid := []string{
		"",
		"x",
		"[",
		"[]",
		"[ ]",
		"[siemship]",                       // not registered, no @PEN
		"[siemship@]",                      // empty PEN
		"[@32473]",                         // empty name
		"[siemship@abc]",                   // PEN not a number
		"[siemship@32473",                  // not closed
		"[siemship@32473]x",                // junk after an element
		"[siemship@32473] [origin]",        // SP between elements
		"[siemship@32473][siemship@32473]", // SD-ID twice
		`[siemship@32473 k]`,
		`[siemship@32473 k=v]`,
		`[siemship@32473 k="v]`,
		`[siemship@32473 ="v"]`,
		`[siemship@32473 k="v"x]`,
		`[siemship@32473 k="a]b"]`,
		`[siemship@32473 k="a\b"]`,
		`[siemship@32473 k="a` + "\n" + `b"]`,
		`[siemship@32473 k="a` + "\x7f" + `b"]`,
		`[siemship@32473 k="a` + "\xff" + `b"]`,
		`[siemship@32473 k"="v"]`,
		`[siemship@32473 abcdefghijklmnopqrstuvwxyzabcdefg="33-char name"]`,
		"[sie\u00e9@32473]",
		"[tab\t@32473]",
	}
	for _, s := range invalid {
		if err := ValidateStructuredData(s); err == nil {
			t.Errorf("ValidateStructuredData(%q) accepted", s)
		}
	}
}
