package proxy

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
)

// maxTable bounds the read of a socket table: 150 bytes a socket, so a
// host with a few hundred thousand sockets still fits.
const maxTable = 64 << 20

// PeerCheck says whether this system can tell the owner of a local peer.
const PeerCheck = true

// peerOwner returns the uid of the process at the other end of conn, from
// /proc/net/tcp and /proc/net/tcp6 (procnet.go). A peer that is in neither
// table is another machine (known false) unless its address is one of this
// machine's, where a missing entry means it could not be told (the client
// closed already, or the tables are hidden): an error, so the caller
// refuses rather than guesses.
func peerOwner(conn net.Conn) (uid uint32, known bool, err error) {
	local, ok1 := addrPort(conn.LocalAddr())
	peer, ok2 := addrPort(conn.RemoteAddr())
	if !ok1 || !ok2 {
		return 0, false, errors.New("not a TCP connection")
	}
	tables := []string{"/proc/net/tcp", "/proc/net/tcp6"}
	if !peer.Addr().Unmap().Is4() {
		tables[0], tables[1] = tables[1], tables[0]
	}
	var readErr error
	for _, name := range tables {
		f, err := os.Open(name)
		if err != nil {
			// tcp6 is missing when IPv6 is off: the other table decides.
			readErr = errors.Join(readErr, err)
			continue
		}
		uid, found, err := findOwner(io.LimitReader(f, maxTable), peer, local)
		f.Close()
		if err != nil {
			readErr = errors.Join(readErr, err)
			continue
		}
		if found {
			return uid, true, nil
		}
	}
	if isThisMachine(peer.Addr()) {
		if readErr != nil {
			return 0, false, readErr
		}
		return 0, false, errors.New("the connection is not in /proc/net/tcp or /proc/net/tcp6")
	}
	return 0, false, nil
}

// isThisMachine says whether a is a loopback address or one of this
// machine's interfaces.
func isThisMachine(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true // cannot tell: treat as local, which refuses
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
				return true
			}
		}
	}
	return false
}
