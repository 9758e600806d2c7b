package syslogrecv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// readAll runs a frameReader over in and returns the messages and the terminating error.
func readAll(in string, maxMsg int) ([]string, error) {
	fr := frameReader{br: bufio.NewReaderSize(strings.NewReader(in), bufferSize(maxMsg)), max: maxMsg}
	var got []string
	for {
		msg, err := fr.next()
		if err != nil {
			return got, err
		}
		got = append(got, string(msg))
	}
}

func TestFrameReader(t *testing.T) {
	long := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name    string
		in      string
		max     int
		want    []string
		wantErr string // "" = io.EOF, "incomplete", "frame"
	}{
		{name: "empty stream", in: ""},
		{name: "octet", in: "5 <1>1 3 abc", want: []string{"<1>1 ", "abc"}},
		{name: "octet keeps LF inside", in: "7 a\nb\r\nc!", want: []string{"a\nb\r\nc!"}},
		{name: "lf", in: "<13>1 a\n<13>1 b\n", want: []string{"<13>1 a", "<13>1 b"}},
		{name: "crlf stripped", in: "<13>1 a\r\n<13>1 b\r\r\n", want: []string{"<13>1 a", "<13>1 b\r"}},
		{name: "mixed per frame", in: "3 abc<13>1 lf\n2 xy", want: []string{"abc", "<13>1 lf", "xy"}},
		{name: "empty lines skipped", in: "\n\r\na\n\n", want: []string{"a"}},
		{name: "zero octet frame skipped", in: "0 3 abc", want: []string{"abc"}},
		{name: "LF after octet frame is an empty line", in: "3 abc\n3 def\n", want: []string{"abc", "def"}},
		{name: "line at max", in: long + "\n", max: 100, want: []string{long}},
		{name: "line at max with CR", in: long + "\r\n", max: 100, want: []string{long}},
		{name: "octet at max", in: "100 " + long, max: 100, want: []string{long}},
		{name: "line over max", in: "a\n" + long + "y\n", max: 100, want: []string{"a"}, wantErr: "frame"},
		{name: "line over buffer", in: strings.Repeat("z", 300<<10) + "\n", max: 100, wantErr: "frame"},
		{name: "octet over max", in: "101 " + long + "y", max: 100, wantErr: "frame"},
		{name: "bad count", in: "12a abc", wantErr: "frame"},
		{name: "too many digits", in: "00000000001 a", wantErr: "frame"},
		{name: "count without space", in: strings.Repeat("1", 300<<10), wantErr: "frame"},
		{name: "truncated octet frame", in: "3 abc10 short", want: []string{"abc"}, wantErr: "incomplete"},
		{name: "truncated count", in: "3 abc12", want: []string{"abc"}, wantErr: "incomplete"},
		{name: "line without LF", in: "a\nb", want: []string{"a"}, wantErr: "incomplete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.max == 0 {
				tc.max = DefaultMaxMessageBytes
			}
			got, err := readAll(tc.in, tc.max)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("messages %q, want %q", got, tc.want)
			}
			var fe *errFrame
			switch tc.wantErr {
			case "":
				if err != io.EOF {
					t.Errorf("err %v, want EOF", err)
				}
			case "incomplete":
				if err != errIncomplete {
					t.Errorf("err %v, want errIncomplete", err)
				}
			case "frame":
				if !errors.As(err, &fe) {
					t.Errorf("err %v, want a framing error", err)
				}
			}
		})
	}
}

// FuzzFrameReader: arbitrary input never panics nor yields a message over the limit; and messages framed by the
// rules (octet counting for anything, LF for messages without LF that do not start with a digit) come back intact.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte("<14>1 - - - - - - hello"), []byte("3 abc\nxyz\r\n"), uint8(0))
	f.Add([]byte("a\nb"), []byte("0 "), uint8(1))
	f.Add([]byte("12"), []byte("99999999999 x"), uint8(2))
	f.Fuzz(func(t *testing.T, msg, garbage []byte, mode uint8) {
		const maxMsg = 512
		got, _ := readAll(string(garbage), maxMsg)
		for _, m := range got {
			if len(m) == 0 || len(m) > maxMsg {
				t.Fatalf("message of %d bytes from %q", len(m), garbage)
			}
		}
		if len(msg) == 0 || len(msg) > maxMsg {
			return
		}
		var in bytes.Buffer
		useLF := mode%2 == 1 && !bytes.ContainsAny(msg, "\r\n") && (msg[0] < '0' || msg[0] > '9')
		for range 3 {
			if useLF {
				in.Write(msg)
				in.WriteByte('\n')
			} else {
				fmt.Fprintf(&in, "%d %s", len(msg), msg)
			}
		}
		got, err := readAll(in.String(), maxMsg)
		if err != io.EOF || len(got) != 3 {
			t.Fatalf("got %d messages, err %v from %q", len(got), err, in.Bytes())
		}
		for _, m := range got {
			if m != string(msg) {
				t.Fatalf("got %q, want %q", m, msg)
			}
		}
	})
}
