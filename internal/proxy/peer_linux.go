package proxy

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
)

// The owner of a local TCP peer.
//
// On a shared host (a jump box, a build machine, a multi-user VM) every
// local user can connect to a loopback port: loopback is not per user. A
// proxy that adds the user's credentials to whatever reaches it would lend
// them to every other account on the machine. Linux knows the owner of
// every socket: the client's end of a connection to the proxy is the
// socket whose local address is the peer's and whose remote address is the
// proxy's, and its uid is the user who opened it. The kernel tells it to
// any user, two ways:
//
//   - sock_diag (sock_diag(7), linux/inet_diag.h): a netlink request names
//     the connection's four addresses and ports, and the kernel answers
//     with that one socket, found in its hash table (sockdiag_linux.go).
//     The cost does not depend on how many sockets the machine has open.
//   - /proc/net/tcp and /proc/net/tcp6 (proc(5)): the whole table, as text
//     (procnet.go). Reading it costs time in proportion to every socket
//     on the machine, which another user can open by the thousand; it is
//     the fallback where sock_diag is not there (a kernel without
//     tcp_diag, a sandbox that forbids netlink).
//
// Either way the answer is refused unless the socket is still
// ESTABLISHED: a client that sends and closes at once leaves a socket
// that, from FIN-WAIT-2 on, both report as uid 0 whoever opened it (see
// ownerListener.refusal).

// PeerCheck says whether this system can tell the owner of a local peer.
const PeerCheck = true

// peerOwner returns what the kernel says of the client's socket at the
// other end of conn, found with sock_diag, or from /proc where sock_diag
// cannot be used.
func peerOwner(conn net.Conn) (s peerSocket, local bool, err error) {
	return ownerOf(conn, findPeerSocket)
}

// ownerOf returns what find says of the client's socket at the other end
// of conn. A peer with no socket here is another machine (local false)
// unless its address is one of this machine's, where a missing socket
// means it could not be told (the client closed and reset it): an error,
// so the caller refuses rather than guesses.
func ownerOf(conn net.Conn, find func(local, remote netip.AddrPort) (peerSocket, bool, error)) (s peerSocket, local bool, err error) {
	proxyEnd, ok1 := addrPort(conn.LocalAddr())
	peer, ok2 := addrPort(conn.RemoteAddr())
	if !ok1 || !ok2 {
		return peerSocket{}, false, errors.New("not a TCP connection")
	}
	s, found, err := find(peer, proxyEnd)
	if err != nil {
		return peerSocket{}, false, err
	}
	if found {
		return s, true, nil
	}
	if isThisMachine(peer.Addr()) {
		return peerSocket{}, false, errors.New("the client's socket is gone (it closed the connection before it was accepted)")
	}
	return peerSocket{}, false, nil
}

// findPeerSocket finds the socket whose local end is peer and remote end
// is proxyEnd: with sock_diag where it works, else from /proc.
func findPeerSocket(peer, proxyEnd netip.AddrPort) (peerSocket, bool, error) {
	if sockDiagWorks() {
		s, err := sockDiagLookup(peer, proxyEnd)
		switch {
		case err == nil:
			return s, true, nil
		case errors.Is(err, errNoSocket):
			return peerSocket{}, false, nil
		}
		// Another failure (out of file descriptors, say): /proc decides
		// this one.
	}
	return procLookup(peer, proxyEnd)
}

// sockDiagWorks says whether sock_diag finds TCP sockets here: it asks,
// once, of a loopback connection of this process's own. A kernel without
// sock_diag, or a sandbox that forbids netlink, gives no answer; a kernel
// whose sock_diag has no TCP handler (tcp_diag) answers ENOENT, as it does
// for a socket that is gone, so the answers about the proxy's callers,
// which they can steer, cannot tell the two apart.
var sockDiagWorks = sync.OnceValue(func() bool {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if l, err = net.Listen("tcp", "[::1]:0"); err != nil {
			return false
		}
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return false
	}
	defer c.Close()
	src, _ := addrPort(c.LocalAddr())
	dst, _ := addrPort(c.RemoteAddr())
	s, err := sockDiagLookup(src, dst)
	return err == nil && s.uid == uint32(os.Getuid()) && s.state == tcpEstablished
})

// isThisMachine says whether a is a loopback address or one of this
// machine's interfaces. Zones are dropped first: a link-local peer
// fe80::1%eth0 is this machine when fe80::1 is one of its addresses.
func isThisMachine(a netip.Addr) bool {
	if isOneOf(a, nil) { // loopback: no need to list the interfaces
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true // cannot tell: treat as local, which refuses
	}
	return isOneOf(a, addrs)
}

// isOneOf says whether a, without zone and IPv4 mapping, is loopback,
// unspecified or one of the interface addresses addrs.
func isOneOf(a netip.Addr, addrs []net.Addr) bool {
	a = bareAddr(a)
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && bareAddr(ip) == a {
				return true
			}
		}
	}
	return false
}

// zoneIndex is the interface index that a link-local address's zone names
// (Go gives the interface's name, or the number when it has none); 0 for
// no zone. The kernel matches a socket bound to an interface only when
// asked with that interface.
func zoneIndex(zone string) (uint32, error) {
	if zone == "" {
		return 0, nil
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n), nil
	}
	ifi, err := net.InterfaceByName(zone)
	if err != nil {
		return 0, err
	}
	return uint32(ifi.Index), nil
}
