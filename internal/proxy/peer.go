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
// A connection whose owner cannot be told is refused as well.
func Listen(l net.Listener, allowed []uint32, refused func(peer, why string)) net.Listener {
	if !PeerCheck {
		return l
	}
	return &ownerListener{Listener: l, allowed: slices.Clone(allowed), owner: peerOwner, refused: refused}
}

// ownerListener refuses connections from local processes of users not in
// allowed (see procnet.go for why, and how they are told apart). It checks
// each connection once, when it is accepted, before a byte of it is read,
// so a refused peer gets nothing but the close.
type ownerListener struct {
	net.Listener
	allowed []uint32
	// owner finds the uid of the local process at the other end of conn;
	// known is false for a peer on another machine.
	owner func(conn net.Conn) (uid uint32, known bool, err error)
	// refused reports a refused connection (its peer and why).
	refused func(peer, why string)
}

func (l *ownerListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, known, err := l.owner(conn)
		switch {
		case err != nil:
			// Fail closed: a connection whose owner cannot be told may be
			// another user's.
			l.refused(conn.RemoteAddr().String(), "its owner could not be read: "+err.Error())
		case known && !slices.Contains(l.allowed, uid):
			l.refused(conn.RemoteAddr().String(), "it comes from a process of another user (uid "+strconv.FormatUint(uint64(uid), 10)+")")
		default:
			return conn, nil
		}
		conn.Close()
	}
}

// addrPort is a connection end as netip sees it; ok is false for what is
// not TCP.
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	return t.AddrPort(), true
}
