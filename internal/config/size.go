package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSize is an amount of memory in bytes, written with a unit: 256MiB, 1GiB, 1.5GiB, 500MB. Binary units (KiB,
// MiB, GiB, TiB, and Kubernetes' Ki, Mi, Gi, Ti) count in powers of 1024; decimal ones (KB, MB, GB, TB, and K, M,
// G, T) in powers of 1000; B is bytes. Units are case-insensitive.
type ByteSize int64

var sizeUnits = map[string]float64{
	"b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30, "gib": 1 << 30, "ti": 1 << 40, "tib": 1 << 40,
}

var errByteSize = errors.New("must be a size such as 256MiB, 512MiB or 1GiB (units B, KiB, MiB, GiB, TiB; KB, MB, GB, TB count in powers of 1000)")

// Decode implements envconfig.Decoder.
func (s *ByteSize) Decode(v string) error {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := v, ""
	if i >= 0 {
		num, unit = v[:i], strings.TrimSpace(v[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return errByteSize
	}
	if unit == "" {
		return fmt.Errorf("needs a unit, such as %sMiB or %sGiB", num, num)
	}
	mult, ok := sizeUnits[strings.ToLower(unit)]
	if !ok {
		return errByteSize
	}
	b := f * mult
	if b >= math.MaxInt64/2 {
		return errors.New("is too large")
	}
	*s = ByteSize(b)
	return nil
}

// String writes the size in the largest binary unit that divides it exactly.
func (s ByteSize) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}
