package encodertest

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// RunTwice is a TestMain for a package with two code paths, the second taken on a CPU without the first's
// instructions: it runs the tests, then, where the CPU has the first path (first is true) and neither fuzzing
// nor benchmarks were asked for, calls second (which switches to the other path), prints again and runs the tests
// once more, so that golden files, oracles and fuzz seeds check both paths. It exits with the code of the last run.
func RunTwice(m *testing.M, first bool, second func(), again string) {
	code := m.Run()
	if code != 0 || !first || flag.Lookup("test.fuzz").Value.String() != "" || flag.Lookup("test.bench").Value.String() != "" {
		os.Exit(code)
	}
	second()
	fmt.Println(again)
	os.Exit(m.Run())
}
