package slsemu

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// errBadCursor is returned for a cursor that is not base64 of a decimal integer.
var errBadCursor = errors.New("cursor is not base64 of a decimal integer")

// EncodeCursor returns the SLS form of a cursor value: base64 (standard, padded) of its decimal digits.
func EncodeCursor(v int64) string {
	var buf [20]byte
	return base64.StdEncoding.EncodeToString(strconv.AppendInt(buf[:0], v, 10))
}

// DecodeCursor parses a cursor produced by EncodeCursor. It also accepts unpadded base64.
func DecodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, errBadCursor
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil || len(b) == 0 {
		return 0, errBadCursor
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errBadCursor
		}
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, errBadCursor
	}
	return v, nil
}
