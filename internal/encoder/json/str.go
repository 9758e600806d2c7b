package jsonenc

// AppendString appends s as a JSON string, quotes included, escaped as the values of AppendObject are (invalid
// UTF-8 as \ufffd). At most max bytes of escaped content are written: a longer s is cut before the first rune or
// escape that does not fit. It reports whether s was cut and whether anything had to be sanitized (a control
// character or invalid UTF-8).
func AppendString(dst []byte, s string, max int) (out []byte, cut, sanitized bool) {
	dst = append(dst, '"')
	var st state
	dst, ok := appendEscaped(dst, s, len(dst)+max, false, &st)
	return append(dst, '"'), !ok, st.sanitized
}
