package leef

import (
	"fmt"
	"strconv"
	"testing"
)

// TestKeySet adds keys to small and big sets with hashes that collide on purpose (all equal, or equal in the
// fingerprint byte only), and with their true hashes, and requires lookup to find exactly the keys added.
func TestKeySet(t *testing.T) {
	hashes := map[string]func(seed uint64, key string, big bool) uint64{
		"true":        func(seed uint64, key string, big bool) uint64 { return keyHash(seed, key, big) },
		"all equal":   func(uint64, string, bool) uint64 { return 0x5a5a5a5a5a5a5a5a },
		"fingerprint": func(seed uint64, key string, big bool) uint64 { return keyHash(seed, key, big)&^(0xff<<56) | 0x17<<56 },
		"0xff":        func(uint64, string, bool) uint64 { return ^uint64(0) }, // the free-place mark
	}
	for name, hash := range hashes {
		for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 100} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				var dst []byte
				var k keySet
				k.reset(n)
				if (n > smallKeys) != (k.big != nil) {
					t.Fatalf("%d keys: big %v", n, k.big != nil)
				}
				base := 3
				dst = append(dst, "xyz"...)
				for i := range n {
					key := "k" + strconv.Itoa(i%(n/2+1)) // the second half repeats the first
					start := len(dst)
					dst = append(dst, key...)
					found, entry := k.lookup(hash(7, key, k.big != nil), dst, base, start, len(dst))
					if want := i > n/2; found != want {
						t.Fatalf("key %d %q: found %v, want %v", i, key, found, want)
					}
					if found {
						dst = dst[:start]
						continue
					}
					k.add(entry)
					dst = append(dst, "=value\t"...)
				}
				if k.n != n/2+1 {
					t.Fatalf("%d keys added, want %d", k.n, n/2+1)
				}
				// A prefix or an extension of a key is another key.
				for _, key := range []string{"k", "k10", "k1x", ""} {
					start := len(dst)
					dst = append(dst, key...)
					found, _ := k.lookup(hash(7, key, k.big != nil), dst, base, start, len(dst))
					if want := key == "k10" && n/2 >= 10; found != want {
						t.Fatalf("%q: found %v", key, found)
					}
					dst = dst[:start]
				}
			})
		}
	}
}

// FuzzKeyHash: keyHash of a string and of the same bytes agree, in both modes, and the small mode reads every byte
// of a key of up to 16 bytes (two keys of that size that differ anywhere hash differently for some seed).
func FuzzKeyHash(f *testing.F) {
	f.Add("eventName", "eventTime", uint64(1))
	f.Add("", "a", uint64(0))
	f.Add("userIdentity.type", "userIdentity.tape", uint64(2))
	f.Fuzz(func(t *testing.T, a, b string, seed uint64) {
		for _, all := range []bool{false, true} {
			if keyHash(seed, a, all) != keyHash(seed, []byte(a), all) {
				t.Fatalf("keyHash(%q, %v) differs for string and []byte", a, all)
			}
		}
		if a != b && len(a) <= 16 && len(b) <= 16 && keyHash(seed, a, false) == keyHash(seed, b, false) &&
			keyHash(seed+1, a, false) == keyHash(seed+1, b, false) && keyHash(^seed, a, false) == keyHash(^seed, b, false) {
			t.Fatalf("%q and %q hash alike under three seeds", a, b)
		}
	})
}
