package kv

import (
	"github.com/siemship/siemship/internal/encoder/internal/vector"
	"testing"

	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestMain runs the package's tests twice where the CPU has vector.CopyPairs: with it, then with copyFieldsWords,
// so that golden files, oracles and fuzz seeds check both paths. Fuzzing (-test.fuzz) runs once, with the
// vector path, and so do benchmarks (BenchmarkAppendGroup/octet-words measures the other); FuzzCopyFields
// compares the two paths directly.
func TestMain(m *testing.M) {
	encodertest.RunTwice(m, vector.Available, func() { vectorFields = false }, "format: the tests again, with copyFieldsWords instead of vector.CopyPairs")
}
