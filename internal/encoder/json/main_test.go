package jsonenc

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain runs the package's tests twice where the CPU has copyMembersVector: with it, then with
// copyMembersWords, so that golden files, oracles and fuzz seeds check both paths. Fuzzing (-test.fuzz) runs
// once, with the vector path, and so do benchmarks (BenchmarkAppendGroup/*/words measures the other);
// FuzzCopyMembers compares the two paths directly.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 || !cpuVector || flag.Lookup("test.fuzz").Value.String() != "" || flag.Lookup("test.bench").Value.String() != "" {
		os.Exit(code)
	}
	vectorMembers = false
	fmt.Println("jsonenc: the tests again, with copyMembersWords instead of copyMembersVector")
	os.Exit(m.Run())
}
