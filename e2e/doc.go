// Package e2e holds siemship's end-to-end tests: the SLS emulator (internal/testgear/slsemu) with generated or hand-made
// records, siemship itself (in-process through internal/app, or the built binary as a subprocess) configured by the
// environment variables a user sets, and the real receiver of internal/testgear/syslogrecv, all on 127.0.0.1. Nothing is
// mocked: records travel through the SDK's consumer group, the pipeline, a TCP or TLS socket and the receiver's
// framing, and every received message is parsed again with crewjam/rfc5424 and kv.ParsePayload and compared
// with what the emulator stored.
//
// The package has no non-test code; this file only makes the directory a package.
package e2e
