package proxy

import (
	"net/netip"
	"testing"
)

func TestListenAddress(t *testing.T) {
	tests := []struct {
		in          string
		allowRemote bool
		want        string // the address, or "error: " and its text
	}{
		{"127.0.0.1:8001", false, "127.0.0.1:8001"},
		{"127.0.0.1:0", false, "127.0.0.1:0"},
		{"127.1.2.3:8001", false, "127.1.2.3:8001"}, // all of 127/8 is loopback
		{"[::1]:8001", false, "[::1]:8001"},
		{"localhost:8001", false, "127.0.0.1:8001"},
		{"LocalHost:9", false, "127.0.0.1:9"},
		{"0.0.0.0:8001", true, "0.0.0.0:8001"},
		{":8001", true, "0.0.0.0:8001"},
		{"192.0.2.7:8001", true, "192.0.2.7:8001"},
		{"0.0.0.0:8001", false, "error: --listen 0.0.0.0:8001 is not a loopback address: whoever reaches it would act with your token; use 127.0.0.1:PORT, or add --allow-remote if that is what you mean"},
		{":8001", false, "error: --listen :8001 is not a loopback address: whoever reaches it would act with your token; use 127.0.0.1:PORT, or add --allow-remote if that is what you mean"},
		{"[::]:8001", false, "error: --listen [::]:8001 is not a loopback address: whoever reaches it would act with your token; use 127.0.0.1:PORT, or add --allow-remote if that is what you mean"},
		{"[::ffff:127.0.0.1]:8001", false, "[::ffff:127.0.0.1]:8001"}, // IPv4 loopback, IPv6-mapped
		{"example.com:8001", false, `error: --listen "example.com:8001": give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001`},
		{"example.com:8001", true, `error: --listen "example.com:8001": give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001`},
		{"localhost.:8001", false, `error: --listen "localhost.:8001": give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001`},
		{"127.0.0.1:http", false, `error: --listen "127.0.0.1:http": give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001`},
		{"127.0.0.1:65536", false, `error: --listen "127.0.0.1:65536": give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001`},
		{"8001", false, `error: --listen "8001" is not HOST:PORT; use 127.0.0.1:PORT (port 0 picks a free one)`},
		{"::1:8001", false, `error: --listen "::1:8001" is not HOST:PORT; use 127.0.0.1:PORT (port 0 picks a free one)`},
		{"", false, `error: --listen "" is not HOST:PORT; use 127.0.0.1:PORT (port 0 picks a free one)`},
	}
	for _, tt := range tests {
		ap, err := ListenAddress(tt.in, tt.allowRemote)
		got := ap.String()
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want {
			t.Errorf("ListenAddress(%q, %v)\n got %s\nwant %s", tt.in, tt.allowRemote, got, tt.want)
		}
	}
}

// 0.0.0.0 listens on IPv4 alone and [::] on IPv6 alone: Go's "tcp" would
// make either a dual-stack socket.
func TestNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:8001":            "tcp4",
		"127.0.0.1:8001":          "tcp4",
		"[::]:8001":               "tcp6",
		"[::1]:8001":              "tcp6",
		"[::ffff:127.0.0.1]:8001": "tcp6", // Serve unmaps it first
	} {
		if got := network(netip.MustParseAddrPort(in)); got != want {
			t.Errorf("network(%s) = %s, want %s", in, got, want)
		}
	}
}
