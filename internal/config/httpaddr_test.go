package config

import (
	"strings"
	"testing"
)

func TestHTTPAddr(t *testing.T) {
	for _, tt := range []struct {
		value, want string // want: the problem, or empty when valid
	}{
		{"", ""},
		{"127.0.0.1:9090", ""},
		{":9090", ""},
		{"127.0.0.1:0", ""},
		{"localhost:9090", ""},
		{"[::1]:9090", ""},
		{"9090", `SIEMSHIP_HTTP_ADDR="9090": must be host:port such as 127.0.0.1:9090, or :9090 for every interface`},
		{"http://127.0.0.1:9090", `SIEMSHIP_HTTP_ADDR="http://127.0.0.1:9090": must be host:port such as 127.0.0.1:9090, or :9090 for every interface`},
		{"127.0.0.1:http", `SIEMSHIP_HTTP_ADDR="127.0.0.1:http": the port must be a number from 0 to 65535 (0 picks a free one)`},
		{"127.0.0.1:65536", `SIEMSHIP_HTTP_ADDR="127.0.0.1:65536": the port must be a number from 0 to 65535 (0 picks a free one)`},
		{"127.0.0.1:-1", `SIEMSHIP_HTTP_ADDR="127.0.0.1:-1": the port must be a number from 0 to 65535 (0 picks a free one)`},
	} {
		t.Run(tt.value, func(t *testing.T) {
			e := env()
			if tt.value != "" {
				e = env("SIEMSHIP_HTTP_ADDR=" + tt.value)
			}
			if tt.want == "" {
				if c := mustLoad(t, e); c.HTTPAddr != tt.value {
					t.Errorf("HTTPAddr = %q, want %q", c.HTTPAddr, tt.value)
				}
				return
			}
			if got := problems(t, e); len(got) != 1 || got[0] != tt.want {
				t.Errorf("problems:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}
