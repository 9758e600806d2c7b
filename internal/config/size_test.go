package config

import "testing"

func TestByteSizeDecode(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		err  string
	}{
		{"256MiB", 256 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"1gib", 1 << 30, ""},
		{"1.5GiB", 3 << 29, ""},
		{"512Mi", 512 << 20, ""},
		{"500MB", 500e6, ""},
		{"2G", 2e9, ""},
		{"64 MiB", 64 << 20, ""},
		{"1048576B", 1 << 20, ""},
		{"100", 0, "needs a unit, such as 100MiB or 100GiB"},
		{"MiB", 0, errByteSize.Error()},
		{"-1GiB", 0, errByteSize.Error()},
		{"1.2.3MiB", 0, errByteSize.Error()},
		{"1GB2", 0, errByteSize.Error()},
		{"1 PiB", 0, errByteSize.Error()},
		{"100000000TiB", 0, "is too large"},
	}
	for _, tt := range tests {
		var s ByteSize
		err := s.Decode(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("Decode(%q) = %v, %v; want error %q", tt.in, s, err, tt.err)
		case tt.err == "" && (err != nil || s != tt.want):
			t.Errorf("Decode(%q) = %d, %v; want %d", tt.in, s, err, tt.want)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	for in, want := range map[ByteSize]string{
		256 << 20: "256MiB", 1 << 30: "1GiB", 3 << 29: "1536MiB", 2 << 40: "2TiB", 1000: "1000B", 0: "0B", 4096: "4KiB",
	} {
		if got := in.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(in), got, want)
		}
	}
}

// FuzzByteSize: Decode never panics, accepts no negative size, and what it accepts prints as a size that decodes
// to the same value.
func FuzzByteSize(f *testing.F) {
	for _, s := range []string{"256MiB", "1.5GiB", "100", "500MB", "1e3MiB", " 2 Gi ", "9999999999TiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var s ByteSize
		if err := s.Decode(in); err != nil {
			return
		}
		if s < 0 {
			t.Fatalf("Decode(%q) = %d", in, s)
		}
		var back ByteSize
		if err := back.Decode(s.String()); err != nil || back != s {
			t.Fatalf("Decode(%q) = %d, printed %q, decodes to %d, %v", in, s, s.String(), back, err)
		}
	})
}
