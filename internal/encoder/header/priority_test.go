package header

import (
	"log/syslog"
	"strconv"
	"strings"
	"testing"
)

// rfcFacilities is RFC 5424 §6.2.1 Table 1, written out independently of priority.go.
var rfcFacilities = []struct {
	name string
	code int
}{
	{"kern", 0}, {"user", 1}, {"mail", 2}, {"daemon", 3}, {"auth", 4}, {"syslog", 5}, {"lpr", 6}, {"news", 7},
	{"uucp", 8}, {"cron", 9}, {"authpriv", 10}, {"ftp", 11}, {"ntp", 12}, {"security", 13}, {"console", 14},
	{"solaris-cron", 15}, {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20},
	{"local5", 21}, {"local6", 22}, {"local7", 23},
}

func TestPriorityTable(t *testing.T) {
	if len(rfcFacilities) != 24 {
		t.Fatalf("table has %d facilities, want 24", len(rfcFacilities))
	}
	for _, f := range rfcFacilities {
		for _, sev := range []struct {
			name string
			code int
		}{{"emerg", 0}, {"err", 3}, {"info", 6}, {"debug", 7}} {
			t.Run(f.name+"."+sev.name, func(t *testing.T) {
				fc, err := ParseFacility(f.name)
				if err != nil || fc != f.code {
					t.Fatalf("ParseFacility(%q) = %d, %v; want %d", f.name, fc, err, f.code)
				}
				sc, err := ParseSeverity(sev.name)
				if err != nil || sc != sev.code {
					t.Fatalf("ParseSeverity(%q) = %d, %v; want %d", sev.name, sc, err, sev.code)
				}
				p, err := Priority(fc, sc)
				if err != nil || p != f.code*8+sev.code {
					t.Fatalf("Priority(%d, %d) = %d, %v; want %d", fc, sc, p, err, f.code*8+sev.code)
				}
				if FacilityName(fc) != f.name || SeverityName(sc) != sev.name {
					t.Fatalf("names %q.%q, want %q.%q", FacilityName(fc), SeverityName(sc), f.name, sev.name)
				}
			})
		}
	}
}

func TestPriorityKnownValues(t *testing.T) {
	tests := []struct {
		facility, severity string
		want               int
	}{
		{"local0", "info", 134},
		{"user", "info", 14},
		{"local7", "debug", 191},
		{"kern", "emerg", 0},
		{"security", "info", 110}, // facility 13
		{"auth", "notice", 37},
		{"local4", "warning", 164},
	}
	for _, tt := range tests {
		f, err := ParseFacility(tt.facility)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseSeverity(tt.severity)
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := Priority(f, s); p != tt.want {
			t.Errorf("%s.%s = %d, want %d", tt.facility, tt.severity, p, tt.want)
		}
	}
	// The standard library agrees on local0..local7 (crewjam/rfc5424 does not).
	for i := range 8 {
		f, _ := ParseFacility("local" + strconv.Itoa(i))
		if p, _ := Priority(f, 0); p != int(syslog.LOG_LOCAL0)+i*8 {
			t.Errorf("local%d = %d, log/syslog says %d", i, p, int(syslog.LOG_LOCAL0)+i*8)
		}
	}
}

func TestParseFacility(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"0", 0, false},
		{"23", 23, false},
		{"16", 16, false},
		{" Local0 ", 16, false},
		{"LOG_LOCAL7", 23, false},
		{"log_user", 1, false},
		{"audit", 13, false},
		{"clock", 9, false},
		{"log-alert", 14, false},
		{"24", 0, true},
		{"-1", 0, true},
		{"local8", 0, true},
		{"", 0, true},
		{"user.info", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFacility(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFacility(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"0", 0, false},
		{"7", 7, false},
		{"emerg", 0, false},
		{"panic", 0, false},
		{"critical", 2, false},
		{"error", 3, false},
		{"warn", 4, false},
		{"WARNING", 4, false},
		{"notice", 5, false},
		{"informational", 6, false},
		{"LOG_DEBUG", 7, false},
		{"8", 0, true},
		{"-1", 0, true},
		{"verbose", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSeverity(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCodeErrors(t *testing.T) {
	for i, name := range facilityNames[:16] {
		if !strings.Contains(errFacility.Error(), name) {
			t.Errorf("the facility error does not name facility %d, %s: %v", i, name, errFacility)
		}
	}
	for i, name := range severityNames {
		if !strings.Contains(errSeverity.Error(), name) {
			t.Errorf("the severity error does not name severity %d, %s: %v", i, name, errSeverity)
		}
	}
	for _, f := range []int{-1, 24} {
		if _, err := ParseFacility(strconv.Itoa(f)); err != errFacility || ValidateFacility(f) != errFacility {
			t.Errorf("facility %d: ParseFacility %v, ValidateFacility %v", f, err, ValidateFacility(f))
		}
	}
	for _, s := range []int{-1, 8} {
		if _, err := ParseSeverity(strconv.Itoa(s)); err != errSeverity || ValidateSeverity(s) != errSeverity {
			t.Errorf("severity %d: ParseSeverity %v, ValidateSeverity %v", s, err, ValidateSeverity(s))
		}
	}
}

func TestPriorityRange(t *testing.T) {
	for _, tt := range []struct{ f, s int }{{-1, 0}, {24, 0}, {0, -1}, {0, 8}} {
		if _, err := Priority(tt.f, tt.s); err == nil {
			t.Errorf("Priority(%d, %d) accepted", tt.f, tt.s)
		}
	}
	if FacilityName(24) != "24" || SeverityName(-1) != "-1" {
		t.Errorf("out-of-range names: %q %q", FacilityName(24), SeverityName(-1))
	}
}
