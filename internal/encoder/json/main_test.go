package jsonenc

import (
	"testing"

	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestMain runs the package's tests twice where the CPU has copyMembersVector: with it, then with
// copyMembersWords, so that golden files, oracles and fuzz seeds check both paths. Fuzzing (-test.fuzz) runs
// once, with the vector path, and so do benchmarks (BenchmarkAppendGroup/*/words measures the other);
// FuzzCopyMembers compares the two paths directly.
func TestMain(m *testing.M) {
	encodertest.RunTwice(m, cpuVector, func() { vectorMembers = false }, "jsonenc: the tests again, with copyMembersWords instead of copyMembersVector")
}
