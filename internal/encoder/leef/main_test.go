package leef

import (
	"testing"

	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestMain runs the package's tests twice where the CPU has vector.CopyPairs: with it, then with the Go path
// alone, so that golden files, oracles and fuzz seeds check both. Fuzzing and benchmarks run once, with the
// vector path; FuzzVectorPath compares the two paths directly.
func TestMain(m *testing.M) {
	encodertest.RunTwice(m, vectorPairs, func() { vectorPairs = false }, "leef: the tests again, without vector.CopyPairs")
}
