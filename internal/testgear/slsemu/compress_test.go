package slsemu

import (
	"bytes"
	"compress/zlib"
	"slices"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

func TestCodecRoundTrip(t *testing.T) {
	c, err := newCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	raw := bytes.Repeat([]byte("hello sls emulator "), 500)
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zw.Write(raw)
	zw.Close()
	zdec, _ := zstd.NewReader(nil)
	defer zdec.Close()

	for _, typ := range []string{compressLZ4, compressZSTD} {
		body := c.compress(typ, raw)
		if len(body) >= len(raw) {
			t.Errorf("%s did not compress: %d bytes", typ, len(body))
		}
		// Decode the way the SDK does.
		out := make([]byte, len(raw))
		switch typ {
		case compressLZ4:
			if n, err := lz4.UncompressBlock(body, out); err != nil || n != len(raw) {
				t.Fatalf("lz4: %d %v", n, err)
			}
		case compressZSTD:
			if out, err = zdec.DecodeAll(body, out[:0]); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(out, raw) {
			t.Fatalf("%s round trip differs", typ)
		}
		got, err := c.decompress(typ, body, len(raw))
		if err != nil || !slices.Equal(got, raw) {
			t.Fatalf("%s decompress: %v", typ, err)
		}
	}

	tests := []struct {
		typ     string
		body    []byte
		rawSize int
		wantErr bool
	}{
		{"", raw, len(raw), false},
		{"", raw, -1, false},
		{"", raw, 3, true},
		{compressDeflate, zb.Bytes(), len(raw), false},
		{compressDeflate, zb.Bytes(), 1, true},
		{compressDeflate, []byte("junk"), len(raw), true},
		{compressLZ4, c.compress(compressLZ4, raw), len(raw) - 1, true},
		{compressLZ4, c.compress(compressLZ4, raw), -1, true},
		{compressLZ4, []byte{0xff, 0xff}, 10, true},
		{compressZSTD, []byte("junk"), 10, true},
		{compressZSTD, c.compress(compressZSTD, raw), len(raw) + 1, true},
		{"snappy", raw, len(raw), true},
		{"", raw, 2 << 20, true}, // above the limit
	}
	for _, tt := range tests {
		got, err := c.decompress(tt.typ, tt.body, tt.rawSize)
		if (err != nil) != tt.wantErr {
			t.Errorf("decompress(%q, %d bytes, raw %d): err %v, want error %v", tt.typ, len(tt.body), tt.rawSize, err, tt.wantErr)
		}
		if err == nil && !slices.Equal(got, raw) {
			t.Errorf("decompress(%q) returned other bytes", tt.typ)
		}
	}
}

func FuzzDecompress(f *testing.F) {
	c, err := newCodec(1 << 16)
	if err != nil {
		f.Fatal(err)
	}
	defer c.close()
	f.Add("lz4", c.compress(compressLZ4, []byte("abcabcabcabc")), 12)
	f.Add("zstd", c.compress(compressZSTD, []byte("abcabcabcabc")), 12)
	f.Add("deflate", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}, 0)
	f.Add("", []byte("x"), -1)
	f.Fuzz(func(t *testing.T, typ string, body []byte, rawSize int) {
		out, err := c.decompress(typ, body, rawSize)
		if err == nil && rawSize >= 0 && len(out) != rawSize {
			t.Fatalf("decompress returned %d bytes, want %d", len(out), rawSize)
		}
	})
}
