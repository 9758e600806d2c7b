// Package encodertest is the test gear the output encoders (internal/encoder/kv, cef, leef, json) share: the
// records every encoder is tested and benchmarked with, the framing decoder and the RFC 5424 header check, the
// check that AppendGroup writes exactly what AppendFrame writes log by log, the golden-file comparison behind the
// -update flag, the benchmark loop that reports the time per record, and what the fuzzers of the vector paths
// share (fields drawn from one string, their group, the comparison of the vector and Go paths).
//
// What a format expects of a record (whether it is sanitized or truncated, which options it needs) stays in the
// format's own tests; so do the records only one format cares about.
//
// Importing this package registers the -update flag in the test binary: a test package that imports it must not
// register its own.
package encodertest
