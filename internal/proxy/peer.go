package proxy

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
)

// Listen wraps l so that, where the system can tell (PeerCheck), a
// connection from a local process is handed on only when the process's
// user is in allowed (the user running the proxy, and those the owner
// named); every other one is closed at accept, and refused is told of it.
// A connection whose owner cannot be told is refused as well. A peer on
// another machine is admitted only with remote (--allow-remote): a
// loopback listener can still be reached from outside where the kernel
// routes packets to 127.0.0.1 (route_localnet, as kube-proxy sets it).
func Listen(l net.Listener, allowed []uint32, remote bool, refused func(peer, why string)) net.Listener {
	if !PeerCheck {
		return l
	}
	return &ownerListener{Listener: l, allowed: slices.Clone(allowed), remote: remote, owner: peerOwner, refused: refused}
}

// ownerListener refuses connections from local processes of users not in
// allowed (see peer_linux.go for why, and how they are told apart). It
// checks each connection once, when it is accepted, before a byte of it is
// read, so a refused peer gets nothing but the close.
type ownerListener struct {
	net.Listener
	allowed []uint32
	// remote: peers on other machines are admitted (the client token
	// guards them).
	remote bool
	// owner tells what the kernel says of the client's socket at the
	// other end of conn; local is false for a peer on another machine.
	owner func(conn net.Conn) (s peerSocket, local bool, err error)
	// refused reports a refused connection (its peer and why).
	refused func(peer, why string)
}

func (l *ownerListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if why := l.refusal(conn); why != "" {
			l.refused(conn.RemoteAddr().String(), why)
			conn.Close()
			continue
		}
		return conn, nil
	}
}

// refusal says why conn is refused, or "" to admit it.
func (l *ownerListener) refusal(conn net.Conn) string {
	s, local, err := l.owner(conn)
	switch {
	case err != nil:
		// Fail closed: a connection whose owner cannot be told may be
		// another user's.
		return "its owner could not be read: " + err.Error()
	case !local && !l.remote:
		return "it comes from another machine; the proxy admits other machines only with --allow-remote (and then the client token)"
	case !local:
		// Another machine, admitted: the client token guards it.
		return ""
	case s.state != tcpEstablished && !(halfClosed(s.state) && s.inode != 0):
		// A client that sends and closes at once leaves a socket with no
		// process behind it. Once it reaches FIN-WAIT-2 the kernel keeps
		// only a minimal socket without an owner (tcp_time_wait in
		// net/ipv4/tcp_minisocks.c), which reads as uid 0 whoever opened
		// it; before that it is closing all the same. Only an open
		// socket's uid says who is there.
		return "the client's socket is " + s.state.String() + ", not ESTABLISHED: a connection closed before it was accepted has no owner that can be told"
	case !slices.Contains(l.allowed, s.uid):
		return "it comes from a process of another user (uid " + strconv.FormatUint(uint64(s.uid), 10) + ")"
	}
	return ""
}

// peerSocket is what the kernel says of the client's end of a connection.
type peerSocket struct {
	uid uint32
	// inode is the socket's inode, 0 when no process holds it any more
	// (it was closed): only then may the kernel's uid be a placeholder.
	inode uint32
	state tcpState
}

// tcpState is a TCP socket's state as Linux numbers it
// (include/net/tcp_states.h), which inet_diag's idiag_state and the st
// column of /proc/net/tcp give.
type tcpState uint8

const (
	tcpEstablished tcpState = 1
	tcpFinWait1    tcpState = 4
	tcpFinWait2    tcpState = 5
	tcpCloseWait   tcpState = 8
)

// halfClosed says whether a socket in state s may still be held by the
// process that opened it, after shutdown(SHUT_WR) (nc -N, socat): its own
// end is closing, the connection still carries the answer.
func halfClosed(s tcpState) bool {
	return s == tcpFinWait1 || s == tcpFinWait2 || s == tcpCloseWait
}

var tcpStateNames = [...]string{
	1:  "ESTABLISHED",
	2:  "SYN-SENT",
	3:  "SYN-RECV",
	4:  "FIN-WAIT-1",
	5:  "FIN-WAIT-2",
	6:  "TIME-WAIT",
	7:  "CLOSE",
	8:  "CLOSE-WAIT",
	9:  "LAST-ACK",
	10: "LISTEN",
	11: "CLOSING",
	12: "NEW-SYN-RECV",
	13: "BOUND-INACTIVE",
}

func (s tcpState) String() string {
	if int(s) < len(tcpStateNames) && tcpStateNames[s] != "" {
		return tcpStateNames[s]
	}
	return "in TCP state " + strconv.Itoa(int(s))
}

// addrPort is a connection end as netip sees it, with an IPv4-mapped
// address as the IPv4 one; ok is false for what is not TCP. The zone is
// kept: a link-local peer's names the interface to look it up on.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := t.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// sameAddrPort compares two endpoints as the kernel's tables hold them:
// without a zone (the tables have none; a peer fe80::1%eth0 is the entry
// fe80::1), and with an IPv4-mapped IPv6 address taken as the IPv4 one (a
// dual-stack socket talking to an IPv4 peer is listed with ::ffff:a.b.c.d).
func sameAddrPort(a, b netip.AddrPort) bool {
	return a.Port() == b.Port() && bareAddr(a.Addr()) == bareAddr(b.Addr())
}

// bareAddr is a without zone and IPv4 mapping.
func bareAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}
