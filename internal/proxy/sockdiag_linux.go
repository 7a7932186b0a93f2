package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// One TCP socket's owner and state, from the kernel's sock_diag netlink
// interface (sock_diag(7); the layouts are linux/netlink.h and
// linux/inet_diag.h). A request without NLM_F_DUMP names one socket by its
// four addresses and ports; the kernel looks it up in its connection hash
// (inet_diag_find_one_icsk in net/ipv4/inet_diag.c) and answers with one
// inet_diag_msg, or with an NLMSG_ERROR of ENOENT when there is no such
// socket. Any user may ask; the answer is the same socket that
// /proc/net/tcp lists, without reading the rest of the table.
//
// Netlink messages are in the machine's byte order; the ports and
// addresses inside inet_diag_sockid are in network order.

const (
	nlmsgHdrLen      = 16 // struct nlmsghdr
	inetDiagReqV2Len = 56 // struct inet_diag_req_v2
	inetDiagMsgLen   = 72 // struct inet_diag_msg
	sockDiagReqLen   = nlmsgHdrLen + inetDiagReqV2Len
	sockDiagMsgLen   = nlmsgHdrLen + inetDiagMsgLen

	nlmsgError       = 2  // NLMSG_ERROR
	nlmFRequest      = 1  // NLM_F_REQUEST
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	afInet           = 2  // AF_INET on Linux
	afInet6          = 10 // AF_INET6 on Linux
	ipprotoTCP       = 6  // IPPROTO_TCP
	allTCPStates     = ^uint32(0)
	inetDiagNoCookie = ^uint32(0) // INET_DIAG_NOCOOKIE: match any socket of the four-tuple
	enoent           = 2          // ENOENT
)

// errNoSocket: the kernel has no socket of that four-tuple.
var errNoSocket = errors.New("sock_diag: no such socket")

// errSockDiagFormat: an answer that is not what the kernel writes.
var errSockDiagFormat = errors.New("sock_diag: malformed answer")

// sockDiagSeq numbers the requests, so that an answer is known to be the
// one to this request.
var sockDiagSeq atomic.Uint32

// sockDiagLookup asks the kernel for the TCP socket whose local end is src
// and remote end is dst. A zone on src names the interface a link-local
// socket is bound to.
func sockDiagLookup(src, dst netip.AddrPort) (peerSocket, error) {
	ifindex, err := zoneIndex(src.Addr().Zone())
	if err != nil {
		return peerSocket{}, fmt.Errorf("the interface of %s: %w", src.Addr(), err)
	}
	seq := sockDiagSeq.Add(1)
	req, err := encodeSockDiagRequest(seq, src, dst, ifindex)
	if err != nil {
		return peerSocket{}, err
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return peerSocket{}, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return peerSocket{}, fmt.Errorf("sock_diag send: %w", err)
	}
	// The kernel answers inside sendto (the request is handled in the
	// sender's context), so the answer is queued by now: never wait.
	var buf [1024]byte
	n, from, err := unix.Recvfrom(fd, buf[:], unix.MSG_DONTWAIT)
	if err != nil {
		return peerSocket{}, fmt.Errorf("sock_diag receive: %w", err)
	}
	if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
		return peerSocket{}, errors.New("sock_diag: an answer that is not the kernel's")
	}
	a, err := parseSockDiagAnswer(buf[:n], seq)
	if err != nil {
		return peerSocket{}, err
	}
	// The kernel falls back to a listener when no connection matches
	// (inet_lookup), and may list a dual-stack socket with IPv4-mapped
	// addresses: the answer counts only if it is the connection asked for.
	if !sameAddrPort(a.src, src) || !sameAddrPort(a.dst, dst) {
		return peerSocket{}, errNoSocket
	}
	return a.socket, nil
}

// encodeSockDiagRequest writes a SOCK_DIAG_BY_FAMILY request for the TCP
// socket whose local end is src and remote end is dst, in any state: a
// struct nlmsghdr and a struct inet_diag_req_v2. Both ends must be IPv4
// (IPv4-mapped counts as IPv4) or both IPv6.
func encodeSockDiagRequest(seq uint32, src, dst netip.AddrPort, ifindex uint32) ([]byte, error) {
	s, d := src.Addr().Unmap(), dst.Addr().Unmap()
	if !s.IsValid() || !d.IsValid() || s.Is4() != d.Is4() {
		return nil, fmt.Errorf("sock_diag: %s and %s are not of one address family", src, dst)
	}
	ne := binary.NativeEndian
	b := make([]byte, sockDiagReqLen)
	ne.PutUint32(b[0:], sockDiagReqLen) // nlmsg_len
	ne.PutUint16(b[4:], sockDiagByFamily)
	ne.PutUint16(b[6:], nlmFRequest)
	ne.PutUint32(b[8:], seq)
	// nlmsg_pid 0: the kernel gives this socket its port id.
	b[16] = afInet6
	if s.Is4() {
		b[16] = afInet
	}
	b[17] = ipprotoTCP
	// idiag_ext 0 (no extensions asked for), pad 0.
	ne.PutUint32(b[20:], allTCPStates)
	binary.BigEndian.PutUint16(b[24:], src.Port())
	binary.BigEndian.PutUint16(b[26:], dst.Port())
	if s.Is4() {
		a4, b4 := s.As4(), d.As4()
		copy(b[28:], a4[:])
		copy(b[44:], b4[:])
	} else {
		a16, b16 := s.As16(), d.As16()
		copy(b[28:], a16[:])
		copy(b[44:], b16[:])
	}
	ne.PutUint32(b[60:], ifindex)
	ne.PutUint32(b[64:], inetDiagNoCookie)
	ne.PutUint32(b[68:], inetDiagNoCookie)
	return b, nil
}

// sockDiagAnswer is the part of an inet_diag_msg that the check reads.
type sockDiagAnswer struct {
	src, dst netip.AddrPort
	socket   peerSocket
}

// parseSockDiagAnswer reads the kernel's answer to request seq: one
// struct nlmsghdr and either a struct inet_diag_msg (with attributes after
// it, which are not read) or an NLMSG_ERROR. ENOENT is errNoSocket.
func parseSockDiagAnswer(b []byte, seq uint32) (sockDiagAnswer, error) {
	ne := binary.NativeEndian
	if len(b) < nlmsgHdrLen {
		return sockDiagAnswer{}, errSockDiagFormat
	}
	msgLen := ne.Uint32(b[0:])
	if msgLen < nlmsgHdrLen || uint64(msgLen) > uint64(len(b)) {
		return sockDiagAnswer{}, errSockDiagFormat
	}
	b = b[:msgLen]
	if ne.Uint32(b[8:]) != seq {
		return sockDiagAnswer{}, fmt.Errorf("sock_diag: an answer to request %d, not %d", ne.Uint32(b[8:]), seq)
	}
	switch ne.Uint16(b[4:]) {
	case nlmsgError:
		if len(b) < nlmsgHdrLen+4 {
			return sockDiagAnswer{}, errSockDiagFormat
		}
		errno := -int32(ne.Uint32(b[16:]))
		switch {
		case errno == enoent:
			return sockDiagAnswer{}, errNoSocket
		case errno <= 0: // an acknowledgement, which was not asked for
			return sockDiagAnswer{}, errSockDiagFormat
		}
		return sockDiagAnswer{}, fmt.Errorf("sock_diag: %w", unix.Errno(errno))
	case sockDiagByFamily:
		if len(b) < sockDiagMsgLen {
			return sockDiagAnswer{}, errSockDiagFormat
		}
		var src, dst netip.Addr
		switch b[16] {
		case afInet:
			src = netip.AddrFrom4([4]byte(b[24:28]))
			dst = netip.AddrFrom4([4]byte(b[40:44]))
		case afInet6:
			src = netip.AddrFrom16([16]byte(b[24:40]))
			dst = netip.AddrFrom16([16]byte(b[40:56]))
		default:
			return sockDiagAnswer{}, errSockDiagFormat
		}
		return sockDiagAnswer{
			src:    netip.AddrPortFrom(src, binary.BigEndian.Uint16(b[20:])),
			dst:    netip.AddrPortFrom(dst, binary.BigEndian.Uint16(b[22:])),
			socket: peerSocket{uid: ne.Uint32(b[80:]), inode: ne.Uint32(b[84:]), state: tcpState(b[17])},
		}, nil
	}
	return sockDiagAnswer{}, errSockDiagFormat
}
