package kv

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain runs the package's tests twice where the CPU has copyFieldsVector: with it, then with copyFieldsWords,
// so that golden files, oracles and fuzz seeds check both paths. Fuzzing (-test.fuzz) runs once, with the
// vector path, and so do benchmarks (BenchmarkAppendGroup/octet-words measures the other); FuzzCopyFields
// compares the two paths directly.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 || !cpuVector || flag.Lookup("test.fuzz").Value.String() != "" || flag.Lookup("test.bench").Value.String() != "" {
		os.Exit(code)
	}
	vectorFields = false
	fmt.Println("format: the tests again, with copyFieldsWords instead of copyFieldsVector")
	os.Exit(m.Run())
}
