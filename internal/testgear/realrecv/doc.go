// Package realrecv runs real syslog receivers (rsyslog and syslog-ng) as private foreground processes for
// siemship's integration tests and reads back what they parsed.
//
// Each instance lives in its own directory (t.TempDir()), listens on 127.0.0.1 only and writes one JSON object per
// received message into out/json.log; Messages decodes that file into [Parsed] values. The instance is stopped by
// t.Cleanup; on test failure its stderr (and syslog-ng's internal log) are logged.
//
// Besides the syslog header (RFC 5424, or RFC 3164 through the same default parsers), options run the receivers' own
// body parsers on MSG: JSON (rsyslog mmjsonparse, syslog-ng json-parser()) into [Parsed].JSON and CEF (liblognorm's,
// in rsyslog mmnormalize) into [Parsed].CEF. Both daemons run with TZ=UTC0 unless the options name another zone.
//
// The receivers are installed by scripts/install-test-receivers.sh (Debian 12): rsyslogd from apt and syslog-ng
// unpacked into /opt/syslog-ng. When a binary is missing the test is skipped loudly, or fails when CI=true.
//
// The package is imported only by tests; it is a regular package so that tests of several packages can share it.
package realrecv
