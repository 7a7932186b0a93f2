package proxy

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// DefaultListen is where the proxy listens when not told: kubectl proxy's
// port, on loopback.
const DefaultListen = "127.0.0.1:8001"

// ListenAddress reads a listen address (the command's --listen): an IP
// address, or localhost, and a port. Host names other than localhost are
// refused: one can resolve anywhere. An address that is not loopback is
// refused unless allowRemote, since whoever reaches it acts with the
// user's token. The errors are the user's mistake and name the flags.
func ListenAddress(s string, allowRemote bool) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("--listen %q is not HOST:PORT; use 127.0.0.1:PORT (port 0 picks a free one)", s)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	if host == "" {
		host = "0.0.0.0" // ":8001" means every address, as net.Listen reads it
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(host, port))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("--listen %q: give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001", s)
	}
	if !ap.Addr().IsLoopback() && !allowRemote {
		return netip.AddrPort{}, fmt.Errorf("--listen %s is not a loopback address: whoever reaches it would act with your token; use 127.0.0.1:PORT, or add --allow-remote if that is what you mean", s)
	}
	return ap, nil
}
