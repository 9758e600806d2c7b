package cef

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDictionary checks the key lists against the standard's numbers (revision 27: 174 keys, 35 for consumers only;
// c6a2 and c6a2Label added) and the property the key transform relies on: no dictionary key contains an escape.
func TestDictionary(t *testing.T) {
	if len(producerKeys) != 174-35+2 || len(consumerKeysTest) != 35 {
		t.Fatalf("%d producer and %d consumer keys", len(producerKeys), len(consumerKeysTest))
	}
	alnum := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	escape := regexp.MustCompile(`x[0-9A-F]{2}`)
	for _, k := range append(slices.Clone(producerKeys[:]), consumerKeysTest...) {
		if !alnum.MatchString(k) || escape.MatchString(k) || k == "x" {
			t.Errorf("dictionary key %q is not alphanumeric or contains an escape", k)
		}
	}
	for _, k := range consumerKeysTest {
		if !isConsumerKey(k) || IsProducerKey(k) {
			t.Errorf("%q: consumer %v producer %v", k, isConsumerKey(k), IsProducerKey(k))
		}
	}
	for _, k := range producerKeys {
		if isConsumerKey(k) || !IsProducerKey(k) {
			t.Errorf("%q: consumer %v producer %v", k, isConsumerKey(k), IsProducerKey(k))
		}
	}
	for _, k := range []string{"", "x", "Msg", "msg ", "eventName", "slsTopic"} {
		if isConsumerKey(k) || IsProducerKey(k) {
			t.Errorf("%q taken for a dictionary key", k)
		}
	}
}

// cefKey is the CEF key appendKey writes for prefix+k.
func cefKey(prefix, k string) string {
	b, _ := appendKey(nil, prefix, k)
	return string(b)
}

func TestKeyTransform(t *testing.T) {
	for _, tc := range []struct{ prefix, in, want string }{
		{"", "eventName", "eventName"},
		{"", "msg", "msg"},
		{"", "cs1Label", "cs1Label"},
		{"", "eventId", "x65ventId"},
		{"", "art", "x61rt"},
		{"", "", "x"},
		{"", "x", "x78"},
		{"", "xx", "xx"},
		{"", "x4", "x4"},
		{"", "x41", "x7841"},
		{"", "x4a", "x4a"},
		{"", "maxAge", "maxAge"},
		{"", "indexDB", "index78DB"},
		{"", "ax.", "axx2E"},
		{"", "userIdentity.type", "userIdentityx2Etype"},
		{"", "__topic__", "x5Fx5Ftopicx5Fx5F"},
		{"", "a b", "ax20b"},
		{"", "ключ", "xD0xBAxD0xBBxD1x8ExD1x87"},
		{"", "\xff\n", "xFFx0A"},
		{"", "k=v", "kx3Dv"},
		{KeyTagPrefix, "", "slsTag"},
		{KeyTagPrefix, "x", "slsTagx"},
		{KeyTagPrefix, "eventId", "slsTageventId"},
		{KeyTagPrefix, "__hostname__", "slsTagx5Fx5Fhostnamex5Fx5F"},
		{KeyTopic, "", "slsTopic"},
	} {
		got := cefKey(tc.prefix, tc.in)
		if got != tc.want {
			t.Errorf("key %q+%q sent as %q, want %q", tc.prefix, tc.in, got, tc.want)
		}
		if back := decodeKey(got); back != tc.prefix+tc.in {
			t.Errorf("key %q+%q: %q decodes to %q", tc.prefix, tc.in, got, back)
		}
		if plain := plainKey(tc.prefix, tc.in); plain != (got == tc.prefix+tc.in) {
			t.Errorf("plainKey(%q, %q) = %v, but it is sent as %q", tc.prefix, tc.in, plain, got)
		}
	}
}

// FuzzKeyTransform requires of every key: an alphanumeric CEF key that decodes to it, is never a consumer key, is
// the key itself exactly when plainKey says so, and is the key itself when it is a producer dictionary key.
func FuzzKeyTransform(f *testing.F) {
	for _, s := range []string{"", "x", "x41", "eventId", "msg", "a.b", "\xff", "ключ", "xAx2E", "x1", "xxA1", "slsTag"} {
		f.Add(s, false)
	}
	alnum := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	f.Fuzz(func(t *testing.T, k string, tag bool) {
		prefix := ""
		if tag {
			prefix = KeyTagPrefix
		}
		got := cefKey(prefix, k)
		if !alnum.MatchString(got) {
			t.Fatalf("key %q sent as %q, not alphanumeric", k, got)
		}
		if back := decodeKey(got); back != prefix+k {
			t.Fatalf("key %q sent as %q decodes to %q", prefix+k, got, back)
		}
		if slices.Contains(consumerKeysTest, got) {
			t.Fatalf("key %q sent as the consumer key %q", k, got)
		}
		if plainKey(prefix, k) != (got == prefix+k) {
			t.Fatalf("plainKey(%q, %q) = %v, sent as %q", prefix, k, plainKey(prefix, k), got)
		}
		if IsProducerKey(prefix+k) && got != prefix+k {
			t.Fatalf("dictionary key %q sent as %q", k, got)
		}
		if strings.HasPrefix(got, "x") && prefix != "" {
			t.Fatalf("tag key %q sent as %q", k, got)
		}
	})
}
