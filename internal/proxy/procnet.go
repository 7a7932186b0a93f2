package proxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"strconv"
)

// The owner of a local TCP peer, from Linux's socket tables.
//
// On a shared host (a jump box, a build machine, a multi-user VM) every
// local user can connect to a loopback port: loopback is not per user. A
// proxy that adds the user's credentials to whatever reaches it would lend
// them to every other account on the machine. Linux lists every TCP socket
// in /proc/net/tcp (IPv4) and /proc/net/tcp6 (IPv6), with its local and
// remote address and the uid of its owner (proc(5), "/proc/net/tcp";
// the format is the kernel's tcp4_seq_show and tcp6_seq_show in
// net/ipv4/tcp_ipv4.c and net/ipv6/tcp_ipv6.c). The client's end of a
// connection to the proxy is the entry whose local address is the peer's
// address and whose remote address is the proxy's: its uid column is the
// user who opened it. The tables are world-readable, so this needs no
// privilege. Other systems have no such table; there the README says that
// loopback is shared by every local user.

// socketEntry is one line of /proc/net/tcp or /proc/net/tcp6.
type socketEntry struct {
	local, remote netip.AddrPort
	uid           uint32
}

// maxTableLine bounds one line of the table: the kernel pads lines to 150
// bytes (IPv4) or fewer than 200 (IPv6).
const maxTableLine = 512

// errTableFormat is a line that is not what the kernel writes.
var errTableFormat = errors.New("not a /proc/net/tcp line")

// findOwner reads a socket table and returns the uid of the socket whose
// local address is local and remote address remote. ok is false when there
// is none. Lines that do not parse are skipped: a line of a format this
// code does not know cannot match, and must not hide the others.
func findOwner(table io.Reader, local, remote netip.AddrPort) (uid uint32, ok bool, err error) {
	sc := bufio.NewScanner(table)
	sc.Buffer(make([]byte, 0, maxTableLine), maxTableLine)
	first := true
	for sc.Scan() {
		if first { // the header: "  sl  local_address rem_address   st ..."
			first = false
			continue
		}
		e, perr := parseSocketLine(sc.Bytes())
		if perr != nil {
			continue
		}
		if sameAddrPort(e.local, local) && sameAddrPort(e.remote, remote) {
			return e.uid, true, nil
		}
	}
	return 0, false, sc.Err()
}

// parseSocketLine parses one entry line:
//
//	sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode
//	0: 0100007F:1F41 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000  1000        0 123 ...
func parseSocketLine(line []byte) (socketEntry, error) {
	f := bytes.Fields(line)
	if len(f) < 8 || !bytes.HasSuffix(f[0], []byte(":")) {
		return socketEntry{}, errTableFormat
	}
	local, err := parseHexAddrPort(f[1])
	if err != nil {
		return socketEntry{}, err
	}
	remote, err := parseHexAddrPort(f[2])
	if err != nil {
		return socketEntry{}, err
	}
	uid, err := strconv.ParseUint(string(f[7]), 10, 32)
	if err != nil {
		return socketEntry{}, errTableFormat
	}
	return socketEntry{local: local, remote: remote, uid: uint32(uid)}, nil
}

// parseHexAddrPort parses "0100007F:1F41" (IPv4) or 32 hex digits and a
// port (IPv6). The kernel prints the address as 32-bit words in the
// machine's byte order (%08X of the raw network-order word), so each word
// is decoded and stored back in native order to give the address bytes;
// the port is a plain %04X.
func parseHexAddrPort(b []byte) (netip.AddrPort, error) {
	addrHex, portHex, found := bytes.Cut(b, []byte(":"))
	if !found || len(portHex) != 4 || (len(addrHex) != 8 && len(addrHex) != 32) {
		return netip.AddrPort{}, errTableFormat
	}
	port, err := strconv.ParseUint(string(portHex), 16, 16)
	if err != nil {
		return netip.AddrPort{}, errTableFormat
	}
	raw := make([]byte, len(addrHex)/2)
	for i := 0; i < len(addrHex); i += 8 {
		word, err := strconv.ParseUint(string(addrHex[i:i+8]), 16, 32)
		if err != nil {
			return netip.AddrPort{}, errTableFormat
		}
		binary.NativeEndian.PutUint32(raw[i/2:], uint32(word))
	}
	addr, ok := netip.AddrFromSlice(raw)
	if !ok {
		return netip.AddrPort{}, errTableFormat
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// sameAddrPort compares two endpoints with IPv4-mapped IPv6 addresses taken
// as the IPv4 ones: a dual-stack listener sees an IPv4 client as
// ::ffff:127.0.0.1 in tcp6, while the client's own socket is in tcp.
func sameAddrPort(a, b netip.AddrPort) bool {
	return a.Port() == b.Port() && a.Addr().Unmap() == b.Addr().Unmap()
}
