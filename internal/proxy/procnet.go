package proxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
)

// The owner of a local TCP peer from /proc/net/tcp (IPv4) and
// /proc/net/tcp6 (IPv6): the fallback where sock_diag cannot answer (see
// peer_linux.go). Every TCP socket of the network namespace is a line, with
// its local and remote address, its state and the uid of its owner
// (proc(5), "/proc/net/tcp"; the format is the kernel's tcp4_seq_show and
// tcp6_seq_show in net/ipv4/tcp_ipv4.c and net/ipv6/tcp_ipv6.c). The
// tables are world-readable, so this needs no privilege.
//
// The kernel writes the whole table however few lines are wanted; what
// this code can save is the parsing. It writes the two addresses it looks
// for as the kernel prints them, compares each line's address columns to
// that text, and parses only the line that matches.

// maxTable bounds the read of a socket table: 150 bytes a socket, so a
// host with a few hundred thousand sockets still fits.
const maxTable = 64 << 20

// procLookup finds the socket whose local end is local and remote end is
// remote in /proc/net/tcp and /proc/net/tcp6. An IPv4 connection is in
// either: in tcp6, with IPv4-mapped addresses, when its socket is IPv6.
func procLookup(local, remote netip.AddrPort) (peerSocket, bool, error) {
	tables := []string{"/proc/net/tcp", "/proc/net/tcp6"}
	if !bareAddr(local.Addr()).Is4() {
		tables = tables[1:] // an IPv6 address is never in the IPv4 table
	}
	var readErr error
	for _, name := range tables {
		f, err := os.Open(name)
		if err != nil {
			// tcp6 is missing when IPv6 is off: the other table decides.
			readErr = errors.Join(readErr, err)
			continue
		}
		e, found, err := findSocket(io.LimitReader(f, maxTable), name == "/proc/net/tcp6", local, remote)
		f.Close()
		if err != nil {
			readErr = errors.Join(readErr, fmt.Errorf("%s: %w", name, err))
			continue
		}
		if found {
			return e.socket, true, nil
		}
	}
	return peerSocket{}, false, readErr
}

// socketEntry is one line of /proc/net/tcp or /proc/net/tcp6.
type socketEntry struct {
	local, remote netip.AddrPort
	socket        peerSocket
}

// maxTableLine bounds one line of the table: the kernel pads lines to 150
// bytes (IPv4) or fewer than 200 (IPv6).
const maxTableLine = 512

// errTableFormat is a line that is not what the kernel writes.
var errTableFormat = errors.New("not a /proc/net/tcp line")

// findSocket reads a socket table (tcp6 says which: their address columns
// differ) and returns the entry whose local address is local and remote
// address remote. found is false when there is none. Only a line whose
// address columns are the wanted text is parsed; the kernel writes each
// four-tuple once.
func findSocket(table io.Reader, tcp6 bool, local, remote netip.AddrPort) (e socketEntry, found bool, err error) {
	want, ok := tableColumns(tcp6, local, remote)
	if !ok {
		return socketEntry{}, false, nil
	}
	sc := bufio.NewScanner(table)
	sc.Buffer(make([]byte, 0, maxTableLine), maxTableLine)
	for sc.Scan() {
		line := sc.Bytes()
		// "%4d: " and the two addresses: the header has no ": ".
		_, cols, ok := bytes.Cut(line, []byte(": "))
		if !ok || !bytes.HasPrefix(cols, want) {
			continue
		}
		e, err := parseSocketLine(line)
		if err != nil || !sameAddrPort(e.local, local) || !sameAddrPort(e.remote, remote) {
			continue
		}
		return e, true, nil
	}
	return socketEntry{}, false, sc.Err()
}

// tableColumns is how the kernel prints local and remote in the table's
// address columns ("0100007F:8FD4 0100007F:845B " in tcp); ok is false
// when the table cannot hold them (an IPv6 address in tcp).
func tableColumns(tcp6 bool, local, remote netip.AddrPort) (cols []byte, ok bool) {
	l, r := bareAddr(local.Addr()), bareAddr(remote.Addr())
	if tcp6 {
		l, r = netip.AddrFrom16(l.As16()), netip.AddrFrom16(r.As16())
	} else if !l.Is4() || !r.Is4() {
		return nil, false
	}
	cols = appendHexAddrPort(nil, l, local.Port())
	cols = append(cols, ' ')
	cols = appendHexAddrPort(cols, r, remote.Port())
	return append(cols, ' '), true
}

// appendHexAddrPort writes a as the kernel does: each 32-bit word of the
// network-order address read in the machine's byte order, %08X, then the
// port, %04X.
func appendHexAddrPort(b []byte, a netip.Addr, port uint16) []byte {
	raw := a.AsSlice()
	for i := 0; i < len(raw); i += 4 {
		b = fmt.Appendf(b, "%08X", binary.NativeEndian.Uint32(raw[i:]))
	}
	return fmt.Appendf(b, ":%04X", port)
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
	if len(f[3]) != 2 {
		return socketEntry{}, errTableFormat
	}
	state, err := strconv.ParseUint(string(f[3]), 16, 8)
	if err != nil {
		return socketEntry{}, errTableFormat
	}
	uid, err := strconv.ParseUint(string(f[7]), 10, 32)
	if err != nil {
		return socketEntry{}, errTableFormat
	}
	// The inode column (the tenth) is 0 for a socket no process holds; a
	// table without it reads as that, which refuses all but ESTABLISHED.
	var inode uint64
	if len(f) >= 10 {
		if inode, err = strconv.ParseUint(string(f[9]), 10, 32); err != nil {
			return socketEntry{}, errTableFormat
		}
	}
	return socketEntry{local: local, remote: remote, socket: peerSocket{uid: uint32(uid), inode: uint32(inode), state: tcpState(state)}}, nil
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
