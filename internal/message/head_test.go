package message

import "testing"

func TestHeadText(t *testing.T) {
	h := Head{Set: HeadVendor | HeadProduct | HeadClass, Vendor: "Alibaba", Product: "", Class: "ConsoleSignin", Name: "not set"}
	for _, c := range []struct {
		f    HeadFields
		want string
	}{
		{HeadVendor, "Alibaba"},
		{HeadProduct, "setting"}, // chosen but empty: the setting
		{HeadVersion, "setting"}, // not chosen
		{HeadClass, "ConsoleSignin"},
		{HeadName, "setting"}, // a value without its bit
	} {
		if got := h.Text(c.f, "setting"); got != c.want {
			t.Errorf("Text(%b) = %q, want %q", c.f, got, c.want)
		}
	}
}
