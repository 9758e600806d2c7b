package realrecv

import "testing"

// BenchmarkStart measures start (until every listener is ready) plus SIGTERM stop of each receiver configuration.
func BenchmarkStart(b *testing.B) {
	cases := []struct {
		name  string
		start func(b *testing.B) Receiver
	}{
		{"rsyslog/plain", func(b *testing.B) Receiver { return StartRsyslog(b, RsyslogOptions{}) }},
		{"rsyslog/mtls", func(b *testing.B) Receiver { return StartRsyslog(b, RsyslogOptions{MTLS: true}) }},
		{"rsyslog/tls(gtls)", func(b *testing.B) Receiver { return StartRsyslog(b, RsyslogOptions{TLS: true}) }},
		{"rsyslog/relp+relptls", func(b *testing.B) Receiver {
			return StartRsyslog(b, RsyslogOptions{RELP: true, RELPTLS: true})
		}},
		{"syslog-ng/plain", func(b *testing.B) Receiver { return StartSyslogNG(b, SyslogNGOptions{}) }},
		{"syslog-ng/tls+mtls", func(b *testing.B) Receiver {
			return StartSyslogNG(b, SyslogNGOptions{TLS: true, MTLS: true})
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.start(b).Stop()
			}
		})
	}
}
