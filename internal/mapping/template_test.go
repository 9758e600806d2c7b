package mapping

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/record"
)

func TestTemplate(t *testing.T) {
	g := &record.Group{Topic: "t", Tags: []record.Field{{Key: "host", Value: "h1"}}}
	l := &record.Log{Contents: []record.Field{{Key: "a", Value: "1"}, {Key: "empty", Value: ""}, {Key: "svc", Value: "Ecs"}}}
	for _, tc := range []struct {
		tpl, want string
	}{
		{"${a}", "1"},
		{"${missing}", ""},
		{"${missing:-x}", "x"},
		{"${empty:-x}", "x"},
		{"${a:-x}", "1"},
		{"${a:+yes}", "yes"},
		{"${empty:+yes}", ""},
		{"${a:+failure:-success}", "failure"},
		{"${missing:+failure:-success}", "success"},
		{"${svc}:${a}", "Ecs:1"},
		{"pre $$ ${a} post", "pre $ 1 post"},
		{"${__topic__}/${__tag__:host}", "t/h1"},
		{"${a:-x:y}", "1"},
		{"${missing:-a:-b}", "a:-b"},
		{"${missing:-}", ""},
		{"$${a}", "${a}"},
	} {
		tp, err := ParseTemplate(tc.tpl)
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tc.tpl, err)
			continue
		}
		if got := tp.Expand(g, l); got != tc.want {
			t.Errorf("%q expands to %q, want %q", tc.tpl, got, tc.want)
		}
		if tp.String() != tc.tpl {
			t.Errorf("String() = %q", tp.String())
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, tc := range []struct{ tpl, want string }{
		{"${a", "has no closing }"},
		{"${}", "needs a field name"},
		{"${:-x}", "needs a field name"},
		{"$a ${b}", "must start ${name} or be written $$"},
		{"${b} $", "must start ${name} or be written $$"},
		{"${a${b}}", "do not nest"},
		{strings.Repeat("x", 5000), "longer than"},
	} {
		_, err := ParseTemplate(tc.tpl)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTemplate(%q) = %v, want an error containing %q", tc.tpl, err, tc.want)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"${a}", "${a:-b}", "${a:+b:-c}", "$$", "x${__tag__:k}y", "${", "$"} {
		f.Add(s, "a", "v")
	}
	f.Fuzz(func(t *testing.T, tpl, key, value string) {
		tp, err := ParseTemplate(tpl)
		if err != nil {
			return
		}
		g := &record.Group{}
		l := &record.Log{Contents: []record.Field{{Key: key, Value: value}}}
		got := tp.Expand(g, l)
		if !strings.Contains(tpl, "${") && got != strings.ReplaceAll(tpl, "$$", "$") {
			t.Errorf("%q without references expands to %q", tpl, got)
		}
		// A template is its literal text and the values it refers to: nothing else can appear.
		if len(got) > len(tpl)+len(value)*strings.Count(tpl, "${") {
			t.Errorf("%q expands to %d bytes", tpl, len(got))
		}
	})
}
