package proxy

import (
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lookups are the two ways to ask the kernel of a socket, each on its own.
var lookups = []struct {
	name string
	find func(local, remote netip.AddrPort) (peerSocket, bool, error)
}{
	{"sock_diag", func(local, remote netip.AddrPort) (peerSocket, bool, error) {
		s, err := sockDiagLookup(local, remote)
		if err == errNoSocket {
			return peerSocket{}, false, nil
		}
		return s, err == nil, err
	}},
	{"/proc", procLookup},
}

// procOwner is peerOwner as on a system where sock_diag cannot be used.
func procOwner(conn net.Conn) (peerSocket, bool, error) { return ownerOf(conn, procLookup) }

// sock_diag works on this machine, so that peerOwner uses it.
func TestSockDiagWorks(t *testing.T) {
	if !sockDiagWorks() {
		t.Fatal("sock_diag cannot find a loopback connection of this process: no NETLINK_SOCK_DIAG, or no tcp_diag in this kernel")
	}
}

// pair is a connection to a fresh listener: the client's end and the
// accepted end.
func pair(t testing.TB, listen, network, dial string) (client, accepted net.Conn) {
	t.Helper()
	l, err := net.Listen(network, listen)
	if err != nil {
		t.Fatalf("listen on %s: %v", listen, err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	client, err = net.Dial(network, net.JoinHostPort(dial, port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	accepted, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accepted.Close() })
	return client, accepted
}

// mappedPair is a connection from an IPv6 socket to 127.0.0.1, through the
// IPv4-mapped address ::ffff:127.0.0.1 (which Go's Dial would turn into an
// IPv4 socket): the kernel lists the client's socket as IPv6, with mapped
// addresses.
func mappedPair(t *testing.T) (client, accepted net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	to := &unix.SockaddrInet6{Port: l.Addr().(*net.TCPAddr).Port, Addr: netip.MustParseAddr("::ffff:127.0.0.1").As16()}
	if err := unix.Connect(fd, to); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "mapped client")
	client, err = net.FileConn(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	accepted, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accepted.Close() })
	return client, accepted
}

// The owner of a connection from this process is this process's user,
// told by sock_diag and by /proc alike, over IPv4, IPv6, a dual-stack
// listener (which sees an IPv4 client as ::ffff:127.0.0.1) and an IPv6
// client socket speaking IPv4.
func TestPeerOwnerOfOwnConnection(t *testing.T) {
	me := peerSocket{uid: uint32(os.Getuid()), state: tcpEstablished}
	conns := []struct {
		name string
		make func(t *testing.T) (client, accepted net.Conn)
	}{
		{"IPv4", func(t *testing.T) (net.Conn, net.Conn) { return pair(t, "127.0.0.1:0", "tcp", "127.0.0.1") }},
		{"IPv6", func(t *testing.T) (net.Conn, net.Conn) { return pair(t, "[::1]:0", "tcp", "::1") }},
		{"IPv4 client, dual-stack listener", func(t *testing.T) (net.Conn, net.Conn) { return pair(t, "[::]:0", "tcp", "127.0.0.1") }},
		{"IPv6 client socket to an IPv4 address", mappedPair},
	}
	for _, c := range conns {
		t.Run(c.name, func(t *testing.T) {
			_, accepted := c.make(t)
			checkOwnConnection(t, accepted, me)
		})
	}
}

// A client that closed before its connection was looked at is refused,
// by either lookup, whoever may connect: its socket is no longer
// ESTABLISHED (closed), or gone (reset).
func TestPeerOwnerOfClosedClient(t *testing.T) {
	for _, how := range []string{"closed", "reset"} {
		t.Run(how, func(t *testing.T) {
			client, accepted := pair(t, "127.0.0.1:0", "tcp", "127.0.0.1")
			if how == "reset" {
				client.(*net.TCPConn).SetLinger(0)
			}
			client.Close()
			allowed := []uint32{0, uint32(os.Getuid())}
			why := (&ownerListener{allowed: allowed, owner: peerOwner}).refusal(accepted) + "\n" +
				(&ownerListener{allowed: allowed, owner: procOwner}).refusal(accepted)
			want := "the client's socket is FIN-WAIT-2, not ESTABLISHED"
			if how == "reset" {
				want = "its owner could not be read: the client's socket is gone"
			}
			for _, w := range strings.Split(why, "\n") {
				if !strings.HasPrefix(w, want) && !(how == "closed" && strings.HasPrefix(w, "the client's socket is FIN-WAIT-1, not ESTABLISHED")) {
					t.Errorf("refusal %q; want %q", w, want)
				}
			}
		})
	}
}

// A peer on a link-local address of this machine is this machine: the
// zone its address carries (fe80::…%eth0) does not make it remote, which
// would skip the check.
func TestPeerOwnerLinkLocal(t *testing.T) {
	ifi, addr := linkLocalAddress(t)
	_, accepted := pair(t, "[::]:0", "tcp6", addr.WithZone(ifi.Name).String())
	peer, _ := addrPort(accepted.RemoteAddr())
	if peer.Addr().Zone() == "" {
		t.Fatalf("the peer %s has no zone: the test does not test zones", peer)
	}
	checkOwnConnection(t, accepted, peerSocket{uid: uint32(os.Getuid()), state: tcpEstablished})
}

// checkOwnConnection checks that every lookup, and peerOwner through each,
// finds accepted's client as this process's socket (me), and local.
func checkOwnConnection(t *testing.T, accepted net.Conn, me peerSocket) {
	t.Helper()
	peer, _ := addrPort(accepted.RemoteAddr())
	proxyEnd, _ := addrPort(accepted.LocalAddr())
	for _, lk := range lookups {
		s, found, err := lk.find(peer, proxyEnd)
		if err != nil || !found || !sameOwner(s, me) {
			t.Errorf("%s: %+v, %v, %v; want %+v", lk.name, s, found, err, me)
		}
	}
	s, local, err := peerOwner(accepted)
	if err != nil || !local || !sameOwner(s, me) {
		t.Errorf("peerOwner = %+v, %v, %v; want %+v, local", s, local, err, me)
	}
	if s, local, err := procOwner(accepted); err != nil || !local || !sameOwner(s, me) {
		t.Errorf("peerOwner from /proc = %+v, %v, %v; want %+v, local", s, local, err, me)
	}
}

// linkLocalAddress finds an interface of this machine with an IPv6
// link-local address.
func linkLocalAddress(t *testing.T) (*net.Interface, netip.Addr) {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for i := range ifs {
		if ifs[i].Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifs[i].Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Is6() && ip.IsLinkLocalUnicast() {
					return &ifs[i], ip
				}
			}
		}
	}
	t.Skip("no interface here has an IPv6 link-local address (IPv6 is off)")
	return nil, netip.Addr{}
}

func TestIsOneOf(t *testing.T) {
	ifaddrs := []net.Addr{
		&net.IPNet{IP: net.ParseIP("192.0.2.7"), Mask: net.CIDRMask(24, 32)},
		&net.IPNet{IP: net.ParseIP("fe80::1"), Mask: net.CIDRMask(64, 128)},
	}
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"fe80::1%eth0", true}, // the zone is not part of the comparison
		{"fe80::1", true},
		{"fe80::2%eth0", false},
		{"192.0.2.7", true},
		{"::ffff:192.0.2.7", true},
		{"192.0.2.8", false},
		{"127.0.0.2", true},
		{"::ffff:127.0.0.1", true},
		{"::1", true},
		{"::", true},
	} {
		if got := isOneOf(netip.MustParseAddr(tt.addr), ifaddrs); got != tt.want {
			t.Errorf("isOneOf(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// The listener hands on only connections of allowed users that are still
// open, and those from other machines; it closes the rest and says why
// for each.
func TestOwnerListenerRefuses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type answer struct {
		s     peerSocket
		local bool
		err   error
	}
	answers := []answer{
		{peerSocket{uid: 65534, state: tcpEstablished}, true, nil},
		{peerSocket{uid: 1000, state: tcpEstablished}, true, nil},
		{peerSocket{}, false, os.ErrPermission},
		{peerSocket{uid: 0, state: 6}, true, nil},    // TIME-WAIT: uid 0 whoever it was
		{peerSocket{uid: 1000, state: 5}, true, nil}, // FIN-WAIT-2: closed already
		{peerSocket{uid: 1001, state: tcpEstablished}, true, nil},
	}
	var refusals []string
	ol := &ownerListener{Listener: l, allowed: []uint32{0, 1000, 1001}, owner: func(net.Conn) (peerSocket, bool, error) {
		a := answers[0]
		answers = answers[1:]
		return a.s, a.local, a.err
	}, refused: func(peer, why string) { refusals = append(refusals, why) }}
	for range 6 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for range 2 {
		conn, err := ol.Accept()
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	want := []string{
		"it comes from a process of another user (uid 65534)",
		"its owner could not be read: permission denied",
		"the client's socket is TIME-WAIT, not ESTABLISHED: a connection closed before it was accepted has no owner that can be told",
		"the client's socket is FIN-WAIT-2, not ESTABLISHED: a connection closed before it was accepted has no owner that can be told",
	}
	if len(answers) != 0 || strings.Join(refusals, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%d answers left; refusals\n%s\nwant\n%s", len(answers), strings.Join(refusals, "\n"), strings.Join(want, "\n"))
	}
}

// asNobody runs a bash script as the user nobody, through setpriv
// (util-linux), which needs root.
func asNobody(t *testing.T, script string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("playing another local user (setpriv --reuid nobody) needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (Debian's util-linux) is needed to play another local user: %v", err)
	}
	out, err := exec.Command(setpriv, "--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "bash", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v: %s", err, out)
	}
	return string(out)
}

// listened is a Listen of allowed (with owner in place of peerOwner, if
// not nil), whose accepted connections are answered "admitted" and
// counted, and whose refusals are recorded.
type listened struct {
	addr     netip.AddrPort
	admitted atomic.Int32
	mu       sync.Mutex
	refusals []string
}

func listenFor(t *testing.T, addr string, allowed []uint32, owner func(net.Conn) (peerSocket, bool, error)) *listened {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &listened{addr: l.Addr().(*net.TCPAddr).AddrPort()}
	refused := func(peer, why string) {
		s.mu.Lock()
		s.refusals = append(s.refusals, why)
		s.mu.Unlock()
	}
	ol := Listen(l, allowed, false, refused)
	if owner != nil {
		ol = &ownerListener{Listener: l, allowed: allowed, owner: owner, refused: refused}
	}
	go func() {
		for {
			c, err := ol.Accept()
			if err != nil {
				return
			}
			s.admitted.Add(1)
			c.Write([]byte("admitted\n"))
			c.Close()
		}
	}()
	return s
}

func (s *listened) seen() (admitted int, refusals []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.admitted.Load()), append([]string(nil), s.refusals...)
}

// A process of another user (nobody, through setpriv) is refused by
// default, with its uid in the log, and admitted when its uid is allowed;
// over IPv4 and IPv6.
func TestOtherUserRefusedUnlessAllowed(t *testing.T) {
	me := uint32(os.Getuid())
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		for _, allowed := range [][]uint32{{me}, {me, 65534}} {
			s := listenFor(t, addr, allowed, nil)
			got := asNobody(t, `exec 3<>/dev/tcp/`+s.addr.Addr().String()+`/`+strconv.Itoa(int(s.addr.Port()))+` && IFS= read -r -t 10 line <&3; printf %s "$line"`)
			admitted, refusals := s.seen()
			if len(allowed) == 1 {
				want := "it comes from a process of another user (uid 65534)"
				if got != "" || admitted != 0 || len(refusals) != 1 || refusals[0] != want {
					t.Errorf("%s, allowed %v: nobody read %q; admitted %d, refusals %q; want nothing read and %q", addr, allowed, got, admitted, refusals, want)
				}
			} else if got != "admitted" || admitted != 1 || len(refusals) != 0 {
				t.Errorf("%s, allowed %v: nobody read %q; admitted %d, refusals %q; want it admitted", addr, allowed, got, admitted, refusals)
			}
		}
	}
}

// The connect-send-close race: another user connects, sends and closes at
// once, 300 times, to a listener run as root that admits root alone. A
// closed socket's owner reads as uid 0 from FIN-WAIT-2 on (the old check
// took 293 of 300 for root's); none may be admitted, with sock_diag or
// from /proc.
func TestConnectSendCloseRace(t *testing.T) {
	const tries = 300
	for _, way := range []struct {
		name  string
		owner func(net.Conn) (peerSocket, bool, error)
	}{{"sock_diag", nil}, {"proc", procOwner}} {
		t.Run(way.name, func(t *testing.T) {
			s := listenFor(t, "127.0.0.1:0", []uint32{0}, way.owner)
			asNobody(t, `trap "" PIPE; for i in $(seq `+strconv.Itoa(tries)+`); do `+
				`exec 3<>/dev/tcp/127.0.0.1/`+strconv.Itoa(int(s.addr.Port()))+`; `+
				`printf 'GET /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&3 2>/dev/null; exec 3>&-; done`)
			deadline := time.Now().Add(30 * time.Second)
			for {
				admitted, refusals := s.seen()
				if admitted+len(refusals) == tries {
					if admitted != 0 {
						t.Fatalf("%d of %d connections of another user were admitted", admitted, tries)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 30 s: %d admitted and %d refused of %d", admitted, len(refusals), tries)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// A peer on another machine is admitted with --allow-remote alone.
func TestOwnerListenerAdmitsRemoteOnlyWhenAllowed(t *testing.T) {
	for _, remote := range []bool{false, true} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var refusals []string
		ol := &ownerListener{Listener: l, allowed: []uint32{0}, remote: remote,
			owner:   func(net.Conn) (peerSocket, bool, error) { return peerSocket{}, false, nil },
			refused: func(peer, why string) { refusals = append(refusals, why) }}
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		admitted := make(chan bool, 1)
		go func() {
			conn, err := ol.Accept()
			if err == nil {
				conn.Close()
			}
			admitted <- err == nil
		}()
		var ok bool
		select {
		case ok = <-admitted:
		case <-time.After(300 * time.Millisecond):
			l.Close() // ends the Accept that is still waiting
			ok = <-admitted
		}
		c.Close()
		l.Close()
		if ok != remote || (!remote && len(refusals) != 1) {
			t.Errorf("remote %v: admitted %v, refusals %q", remote, ok, refusals)
		}
	}
}

// sameOwner compares a live socket with want by uid and state; its inode
// is whatever the kernel gave it, and must be there (a process holds it).
func sameOwner(got, want peerSocket) bool {
	return got.uid == want.uid && got.state == want.state && got.inode != 0
}

// A half-closed client (shutdown(SHUT_WR), as nc -N does) is still held by
// its process: admitted. A closed one (inode 0) is not, whatever its uid.
func TestHalfClosedClients(t *testing.T) {
	for _, tt := range []struct {
		s    peerSocket
		want string
	}{
		{peerSocket{uid: 1000, inode: 42, state: tcpFinWait1}, ""},
		{peerSocket{uid: 1000, inode: 42, state: tcpFinWait2}, ""},
		{peerSocket{uid: 1000, inode: 42, state: tcpCloseWait}, ""},
		{peerSocket{uid: 0, inode: 0, state: tcpFinWait2}, "the client's socket is FIN-WAIT-2, not ESTABLISHED: a connection closed before it was accepted has no owner that can be told"},
		{peerSocket{uid: 1000, inode: 0, state: tcpFinWait1}, "the client's socket is FIN-WAIT-1, not ESTABLISHED: a connection closed before it was accepted has no owner that can be told"},
		{peerSocket{uid: 1000, inode: 42, state: 6}, "the client's socket is TIME-WAIT, not ESTABLISHED: a connection closed before it was accepted has no owner that can be told"},
		{peerSocket{uid: 65534, inode: 42, state: tcpFinWait2}, "it comes from a process of another user (uid 65534)"},
	} {
		l := &ownerListener{allowed: []uint32{1000}, owner: func(net.Conn) (peerSocket, bool, error) { return tt.s, true, nil }}
		if got := l.refusal(nil); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.s, got, tt.want)
		}
	}
}
