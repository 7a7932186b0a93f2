package proxy

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// unhex reads hex digits with spaces and newlines between them as the
// reader likes.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The requests are what this code sent to this machine's kernel (x86-64,
// little endian), which answered them: nlmsghdr {len 72, type 20
// SOCK_DIAG_BY_FAMILY, flags NLM_F_REQUEST, seq 7, pid 0}, then
// inet_diag_req_v2 {family, IPPROTO_TCP, ext 0, pad, states all} and
// inet_diag_sockid {sport, dport (network order), src, dst, if, cookie
// INET_DIAG_NOCOOKIE}.
func TestEncodeSockDiagRequest(t *testing.T) {
	if !littleEndian() {
		t.Skip("the literal messages are a little-endian machine's")
	}
	ap := netip.MustParseAddrPort
	const header = "48000000 1400 0100 07000000 00000000"
	const cookie = "ffffffff ffffffff"
	tests := []struct {
		name     string
		src, dst netip.AddrPort
		ifindex  uint32
		want     string
	}{
		{"IPv4", ap("127.0.0.1:42882"), ap("127.0.0.1:46595"), 0, header +
			"02 06 00 00 ffffffff a782 b603" +
			"7f000001 00000000 00000000 00000000" +
			"7f000001 00000000 00000000 00000000" +
			"00000000" + cookie},
		{"IPv4-mapped is asked as IPv4", ap("[::ffff:127.0.0.1]:42882"), ap("[::ffff:127.0.0.1]:46595"), 0, header +
			"02 06 00 00 ffffffff a782 b603" +
			"7f000001 00000000 00000000 00000000" +
			"7f000001 00000000 00000000 00000000" +
			"00000000" + cookie},
		{"IPv6", ap("[::1]:57464"), ap("[::1]:33417"), 0, header +
			"0a 06 00 00 ffffffff e078 8289" +
			"00000000 00000000 00000000 00000001" +
			"00000000 00000000 00000000 00000001" +
			"00000000" + cookie},
		{"link-local, on interface 4", ap("[fe80::1%4]:57464"), ap("[fe80::fc:ff:fe00:1%4]:8001"), 4, header +
			"0a 06 00 00 ffffffff e078 1f41" +
			"fe800000 00000000 00000000 00000001" +
			"fe800000 00000000 00fc00ff fe000001" +
			"04000000" + cookie},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeSockDiagRequest(7, tt.src, tt.dst, tt.ifindex)
			if want := unhex(t, tt.want); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("encodeSockDiagRequest = %v\n%x\nwant\n%x", err, got, want)
			}
		})
	}
	for _, pair := range [][2]string{{"127.0.0.1:1", "[::1]:2"}, {"[::1]:1", "127.0.0.1:2"}} {
		if b, err := encodeSockDiagRequest(7, ap(pair[0]), ap(pair[1]), 0); err == nil {
			t.Errorf("encodeSockDiagRequest(%s, %s) = %x; want an error: a connection has one address family", pair[0], pair[1], b)
		}
	}
}

// Answers as this machine's kernel wrote them to the requests above, with
// the uid (offset 0x50) and state (0x11) changed to tell them apart:
// nlmsghdr {len 124, type 20, seq 7, pid}, inet_diag_msg {family, state,
// timer, retrans, sockid, expires, rqueue, wqueue, uid, inode}, then
// attributes (INET_DIAG_SHUTDOWN and others), which are not read.
const (
	answerIPv4 = "7c000000 1400 0000 07000000 d03a0000" +
		"02 01 02 00 a782 b603" +
		"7f000001 00000000 00000000 00000000" +
		"7f000001 00000000 00000000 00000000" +
		"00000000 01000000 00000000" +
		"00000000 983a0000 00000000 feff0000 e5e90400" +
		"05000800 00000000 08000f00 00000000 0c001500 01000000 00000000 06001600 52000000"
	answerIPv6 = "7c000000 1400 0000 07000000 b9739f8e" +
		"0a 01 02 00 e078 8289" +
		"00000000 00000000 00000000 00000001" +
		"00000000 00000000 00000000 00000001" +
		"00000000 02000000 00000000" +
		"00000000 983a0000 00000000 e8030000 eae90400" +
		"05000800 00000000 08000f00 00000000 0c001500 01000000 00000000 06001600 12000000"
	// A dual-stack (IPv6) client socket connected to 127.0.0.1: the
	// kernel lists it with IPv4-mapped addresses; orphaned in TIME-WAIT,
	// with uid 0.
	answerMappedTimeWait = "58000000 1400 0000 07000000 d03a0000" +
		"0a 06 03 00 a782 b603" +
		"00000000 00000000 0000ffff 7f000001" +
		"00000000 00000000 0000ffff 7f000001" +
		"00000000 01000000 00000000" +
		"00000000 00000000 00000000 00000000 00000000"
	// NLMSG_ERROR: the error (-2, ENOENT), then the request's header and
	// body.
	answerENOENT = "5c000000 0200 0000 08000000 d03a0000" +
		"feffffff" +
		"48000000 1400 0100 08000000 00000000" +
		"02 06 00 00 ffffffff 0001 b603" +
		"7f000001 00000000 00000000 00000000" +
		"7f000001 00000000 00000000 00000000" +
		"00000000 ffffffff ffffffff"
)

func TestParseSockDiagAnswer(t *testing.T) {
	if !littleEndian() {
		t.Skip("the literal messages are a little-endian machine's")
	}
	ap := netip.MustParseAddrPort
	tests := []struct {
		name     string
		answer   string
		seq      uint32
		src, dst netip.AddrPort
		socket   peerSocket
	}{
		{"IPv4, uid 65534, ESTABLISHED", answerIPv4, 7, ap("127.0.0.1:42882"), ap("127.0.0.1:46595"), peerSocket{uid: 65534, inode: 322021, state: tcpEstablished}},
		{"IPv6, uid 1000, ESTABLISHED", answerIPv6, 7, ap("[::1]:57464"), ap("[::1]:33417"), peerSocket{uid: 1000, inode: 322026, state: tcpEstablished}},
		{"IPv4-mapped, uid 0, TIME-WAIT", answerMappedTimeWait, 7, ap("[::ffff:127.0.0.1]:42882"), ap("[::ffff:127.0.0.1]:46595"), peerSocket{uid: 0, state: 6}},
		{"a buffer longer than the message", answerIPv4 + "deadbeef", 7, ap("127.0.0.1:42882"), ap("127.0.0.1:46595"), peerSocket{uid: 65534, inode: 322021, state: tcpEstablished}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseSockDiagAnswer(unhex(t, tt.answer), tt.seq)
			if err != nil || a.src != tt.src || a.dst != tt.dst || a.socket != tt.socket {
				t.Fatalf("parseSockDiagAnswer = %+v, %v\nwant src %s dst %s %+v", a, err, tt.src, tt.dst, tt.socket)
			}
		})
	}
}

func TestParseSockDiagAnswerRefuses(t *testing.T) {
	if !littleEndian() {
		t.Skip("the literal messages are a little-endian machine's")
	}
	withErrno := func(errno string) string { return strings.Replace(answerENOENT, "feffffff", errno, 1) }
	// cut is the first n bytes of answerIPv4, with nlmsg_len n.
	cut := func(n int) string {
		b := unhex(t, answerIPv4)[:n]
		b[0] = byte(n)
		return hex.EncodeToString(b)
	}
	tests := []struct {
		name   string
		answer string
		seq    uint32
		want   error  // errors.Is
		text   string // or the message
	}{
		{"ENOENT: no such socket", answerENOENT, 8, errNoSocket, ""},
		{"EPERM: sock_diag forbidden", withErrno("ffffffff"), 8, unix.EPERM, ""},
		{"EINVAL: a request this kernel does not know", withErrno("eaffffff"), 8, unix.EINVAL, ""},
		{"an acknowledgement, not asked for", withErrno("00000000"), 8, errSockDiagFormat, ""},
		{"another request's answer", answerIPv4, 8, nil, "sock_diag: an answer to request 7, not 8"},
		{"empty", "", 7, errSockDiagFormat, ""},
		{"a header only", cut(16), 7, errSockDiagFormat, ""},
		{"cut before the uid", cut(0x50), 7, errSockDiagFormat, ""},
		{"cut inside the uid", cut(0x52), 7, errSockDiagFormat, ""},
		{"nlmsg_len past the buffer", "ff" + strings.Join(strings.Fields(answerIPv4), "")[2:], 7, errSockDiagFormat, ""},
		{"nlmsg_len shorter than a header", "0f" + strings.Join(strings.Fields(answerIPv4), "")[2:], 7, errSockDiagFormat, ""},
		{"NLMSG_DONE", "10000000 0300 0000 07000000 00000000", 7, errSockDiagFormat, ""},
		{"an unknown address family", strings.Replace(answerIPv4, "02 01 02 00", "01 01 02 00", 1), 7, errSockDiagFormat, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseSockDiagAnswer(unhex(t, tt.answer), tt.seq)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || (tt.text != "" && err.Error() != tt.text) {
				t.Fatalf("parseSockDiagAnswer = %+v, %v; want %v %q", a, err, tt.want, tt.text)
			}
		})
	}
}

func FuzzParseSockDiagAnswer(f *testing.F) {
	for _, s := range []string{answerIPv4, answerIPv6, answerMappedTimeWait, answerENOENT} {
		f.Add(unhex(f, s), uint32(7))
	}
	f.Fuzz(func(t *testing.T, b []byte, seq uint32) {
		a, err := parseSockDiagAnswer(b, seq)
		if err != nil {
			return
		}
		// What parsed is two endpoints of one family, from a message that
		// holds a whole inet_diag_msg.
		if !a.src.IsValid() || !a.dst.IsValid() || a.src.Addr().Is4() != a.dst.Addr().Is4() || len(b) < sockDiagMsgLen {
			t.Fatalf("parseSockDiagAnswer(%x) = %+v without an error", b, a)
		}
	})
}
