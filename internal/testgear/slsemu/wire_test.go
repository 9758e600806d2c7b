package slsemu

import (
	"slices"
	"testing"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"github.com/pierrec/lz4/v4"
)

// encodeGroup encodes a log group with the hand-written encoder.
func encodeGroup(sec, nsec uint32, contents [][]field, topic, source string, tags []field) []byte {
	var b []byte
	for _, c := range contents {
		b = appendLog(b, sec, nsec, c)
	}
	return appendGroupTrailer(b, topic, source, tags)
}

// checkAgainstSDK decodes b with the SDK's generated code (the oracle) and compares it with the input.
func checkAgainstSDK(t *testing.T, b []byte, sec, nsec uint32, contents [][]field, topic, source string, tags []field) {
	t.Helper()
	var lg sls.LogGroup
	if err := lg.Unmarshal(b); err != nil {
		t.Fatalf("SDK cannot decode: %v", err)
	}
	if lg.GetTopic() != topic || lg.GetSource() != source || len(lg.Logs) != len(contents) || len(lg.LogTags) != len(tags) {
		t.Fatalf("decoded topic %q source %q logs %d tags %d", lg.GetTopic(), lg.GetSource(), len(lg.Logs), len(lg.LogTags))
	}
	for i, l := range lg.Logs {
		if l.GetTime() != sec || l.GetTimeNs() != nsec || len(l.Contents) != len(contents[i]) {
			t.Fatalf("log %d: time %d.%d, %d contents", i, l.GetTime(), l.GetTimeNs(), len(l.Contents))
		}
		for j, c := range l.Contents {
			if c.GetKey() != contents[i][j].Key || c.GetValue() != contents[i][j].Value {
				t.Fatalf("log %d content %d = %q=%q", i, j, c.GetKey(), c.GetValue())
			}
		}
	}
	for i, tg := range lg.LogTags {
		if tg.GetKey() != tags[i].Key || tg.GetValue() != tags[i].Value {
			t.Fatalf("tag %d = %q=%q", i, tg.GetKey(), tg.GetValue())
		}
	}
	// The SDK's own encoder gives the same bytes.
	again, err := lg.Marshal()
	if err != nil || !slices.Equal(again, b) {
		t.Fatalf("SDK re-encoding differs: %v", err)
	}
}

func TestWireEncodingMatchesSDK(t *testing.T) {
	tests := []struct {
		name     string
		contents [][]field
		tags     []field
	}{
		{"empty group", nil, nil},
		{"one log", [][]field{{{"k", "v"}}}, []field{{"__hostname__", "h"}}},
		{"empty strings", [][]field{{{"", ""}}, {}}, []field{{"", ""}}},
		{"long value", [][]field{{{"k", string(make([]byte, 70000))}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeGroup(1_800_000_000, 123, tt.contents, "topic", "src", tt.tags)
			checkAgainstSDK(t, b, 1_800_000_000, 123, tt.contents, "topic", "src", tt.tags)
			framed := frameGroup(b)
			var lgl sls.LogGroupList
			if err := lgl.Unmarshal(append(slices.Clone(framed), framed...)); err != nil || len(lgl.LogGroups) != 2 {
				t.Fatalf("two framed groups do not decode as a LogGroupList: %v", err)
			}
			if framePrefixLen(framed)+len(b) != len(framed) {
				t.Fatalf("frame prefix length %d", framePrefixLen(framed))
			}
		})
	}
}

func FuzzWireEncoding(f *testing.F) {
	f.Add(uint32(0), uint32(0), "k", "v", "topic", "source", "tagk", "tagv", uint8(2))
	f.Add(uint32(1<<31), uint32(999999999), "", "\xff\x00", "", "", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, sec, nsec uint32, k, v, topic, source, tk, tv string, n uint8) {
		contents := make([][]field, int(n%5))
		for i := range contents {
			contents[i] = []field{{k, v}, {v, k}}[:i%3]
		}
		tags := []field{{tk, tv}}
		b := encodeGroup(sec, nsec, contents, topic, source, tags)
		checkAgainstSDK(t, b, sec, nsec, contents, topic, source, tags)
	})
}

func TestLZ4Literals(t *testing.T) {
	for _, n := range []int{0, 1, 14, 15, 16, 269, 270, 271, 5000} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i * 7)
		}
		out := make([]byte, n)
		m, err := lz4.UncompressBlock(lz4Literals(src), out)
		if n == 0 {
			continue
		}
		if err != nil || m != n || !slices.Equal(out, src) {
			t.Errorf("n=%d: %d bytes, %v", n, m, err)
		}
	}
}
