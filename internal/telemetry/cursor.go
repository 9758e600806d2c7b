package telemetry

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

var errCursor = errors.New("cursor is not base64 of a decimal integer")

// DecodeCursor returns the position an SLS cursor stands for. Cursors are base64 of a decimal integer, and
// consecutive log groups of a shard have consecutive integers, so the difference of two cursors of one shard is the
// number of log groups between them. Unpadded base64 is accepted too.
func DecodeCursor(s string) (int64, error) {
	if s == "" || len(s) > 64 {
		return 0, errCursor
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	var buf [48]byte
	n, err := enc.Decode(buf[:], []byte(s))
	if err != nil || n == 0 {
		return 0, errCursor
	}
	for _, c := range buf[:n] {
		if c < '0' || c > '9' {
			return 0, errCursor
		}
	}
	v, err := strconv.ParseInt(string(buf[:n]), 10, 64)
	if err != nil {
		return 0, errCursor
	}
	return v, nil
}
