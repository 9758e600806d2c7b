// Package vector copies a log's key-value pairs into a message 32 bytes at a time where the CPU has AVX-512 (BW
// and VL), testing each byte as it copies it, for the CEF and LEEF encoders: they copy the pairs that need no
// escaping in one call and write the others with their own Go code, which is also their whole path on other
// CPUs. Which bytes stop the copy is the caller's, in Tables.
package vector
