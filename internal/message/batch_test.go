package message

import "testing"

func TestBatchFrames(t *testing.T) {
	var b Batch
	for _, f := range []string{"3 abc", "", "1 x"} {
		b.Append([]byte(f))
	}
	if b.Len() != 3 || string(b.Frame(0)) != "3 abc" || string(b.Frame(1)) != "" || string(b.Frame(2)) != "1 x" {
		t.Fatalf("frames: %q %v", b.Buf, b.Ends)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if b.Len() != 0 || len(b.Buf) != 0 || cap(b.Buf) == 0 {
		t.Fatalf("reset: len %d buf %d cap %d", b.Len(), len(b.Buf), cap(b.Buf))
	}
}

func TestBatchValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    Batch
		ok   bool
	}{
		{"empty", Batch{}, true},
		{"one", Batch{Buf: []byte("ab"), Ends: []int{2}}, true},
		{"short ends", Batch{Buf: []byte("abc"), Ends: []int{2}}, false},
		{"beyond buffer", Batch{Buf: []byte("ab"), Ends: []int{3}}, false},
		{"decreasing", Batch{Buf: []byte("abc"), Ends: []int{2, 1, 3}}, false},
		{"buffer without ends", Batch{Buf: []byte("a")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.b.Validate(); (err == nil) != tc.ok {
				t.Fatalf("validate = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
