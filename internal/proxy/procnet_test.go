package proxy

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
)

// The lines are as this machine's kernel wrote them (x86-64, little
// endian): a listener on 127.0.0.1:33883, a connection on ::1 from port
// 40196 to 56913 and its accepted end, with the uids changed to tell them
// apart, and a client that closed (58266 to 37337, in TIME-WAIT).
const sampleTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 625 1 0000000014fe6dcb 100 0 0 10 0                       
   1: 0100007F:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 154050 1 00000000c5ede136 100 0 0 10 0                    
   2: 0100007F:8FD4 0100007F:845B 01 00000000:00000000 00:00000000 00000000 65534        0 154051 1 00000000c5ede137 20 0 0 10 -1
   3: 0100007F:845B 0100007F:8FD4 01 00000000:00000000 00:00000000 00000000  1000        0 154052 1 00000000c5ede138 20 0 0 10 -1
   4: 0100007F:E39A 0100007F:91D9 06 00000000:00000000 03:00000201 00000000     0        0 0 3 00000000600f36f2                                      
`

const sampleTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:DE51 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 154053 1 00000000ba4b6ccf 100 0 0 10 0
   1: 00000000000000000000000001000000:9D04 00000000000000000000000001000000:DE51 01 00000000:00000000 00:00000000 00000000  1001        0 154054 2 00000000fc8e2870 20 0 0 10 -1
   2: 00000000000000000000000001000000:DE51 00000000000000000000000001000000:9D04 01 00000000:00000000 00:00000000 00000000     0        0 154055 1 00000000f9f41a95 20 0 0 10 -1
   3: 0000000000000000FFFF00000100007F:845B 0000000000000000FFFF00000100007F:9000 01 00000000:00000000 00:00000000 00000000  1002        0 154056 1 00000000f9f41a96 20 0 0 10 -1
`

func littleEndian() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 1
}

func TestFindSocket(t *testing.T) {
	if !littleEndian() {
		t.Skip("the sample tables are a little-endian kernel's")
	}
	ap := netip.MustParseAddrPort
	est := func(uid, inode uint32) peerSocket { return peerSocket{uid: uid, inode: inode, state: tcpEstablished} }
	tests := []struct {
		name          string
		table         string
		tcp6          bool
		local, remote netip.AddrPort
		socket        peerSocket
		found         bool
	}{
		{"IPv4 client of another user", sampleTCP, false, ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), est(65534, 154051), true},
		{"IPv4 accepted end", sampleTCP, false, ap("127.0.0.1:33883"), ap("127.0.0.1:36820"), est(1000, 154052), true},
		{"IPv4 closed client: TIME-WAIT, uid 0", sampleTCP, false, ap("127.0.0.1:58266"), ap("127.0.0.1:37337"), peerSocket{uid: 0, state: 6}, true},
		{"IPv4 no such connection", sampleTCP, false, ap("127.0.0.1:36821"), ap("127.0.0.1:33883"), peerSocket{}, false},
		{"IPv4 right ports, other address", sampleTCP, false, ap("127.0.0.2:36820"), ap("127.0.0.1:33883"), peerSocket{}, false},
		{"IPv6 client", sampleTCP6, true, ap("[::1]:40196"), ap("[::1]:56913"), est(1001, 154054), true},
		{"IPv6 client with a zone", sampleTCP6, true, ap("[::1%lo]:40196"), ap("[::1]:56913"), est(1001, 154054), true},
		{"IPv6 address asked in the IPv4 table", sampleTCP, false, ap("[::1]:40196"), ap("[::1]:56913"), peerSocket{}, false},
		{"IPv4-mapped in tcp6 matches the IPv4 address", sampleTCP6, true, ap("127.0.0.1:33883"), ap("127.0.0.1:36864"), est(1002, 154056), true},
		{"IPv4 asked as mapped", sampleTCP, false, ap("[::ffff:127.0.0.1]:36820"), ap("[::ffff:127.0.0.1]:33883"), est(65534, 154051), true},
		{"header only", strings.SplitAfterN(sampleTCP, "\n", 2)[0], false, ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), peerSocket{}, false},
		{"empty", "", false, ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), peerSocket{}, false},
		{"broken lines are skipped, not fatal", "header\n   0: zz\n   1: 0100007F:8FD4 0100007F:845B 01 x x x uid\n" + strings.SplitN(sampleTCP, "\n", 2)[1], false, ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), est(65534, 154051), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, found, err := findSocket(strings.NewReader(tt.table), tt.tcp6, tt.local, tt.remote)
			if err != nil || e.socket != tt.socket && tt.found || found != tt.found {
				t.Fatalf("findSocket = %+v, %v, %v; want %+v, %v", e, found, err, tt.socket, tt.found)
			}
		})
	}
}

// The address columns are written as the kernel prints them, so that a
// line is found by comparing text.
func TestTableColumns(t *testing.T) {
	if !littleEndian() {
		t.Skip("the sample tables are a little-endian kernel's")
	}
	ap := netip.MustParseAddrPort
	tests := []struct {
		tcp6          bool
		local, remote netip.AddrPort
		want          string
	}{
		{false, ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), "0100007F:8FD4 0100007F:845B "},
		{true, ap("127.0.0.1:33883"), ap("127.0.0.1:36864"), "0000000000000000FFFF00000100007F:845B 0000000000000000FFFF00000100007F:9000 "},
		{true, ap("[::1%lo]:40196"), ap("[::1]:56913"), "00000000000000000000000001000000:9D04 00000000000000000000000001000000:DE51 "},
		{false, ap("[::1]:40196"), ap("[::1]:56913"), ""},
	}
	for _, tt := range tests {
		got, ok := tableColumns(tt.tcp6, tt.local, tt.remote)
		if string(got) != tt.want || ok != (tt.want != "") {
			t.Errorf("tableColumns(%v, %s, %s) = %q, %v; want %q", tt.tcp6, tt.local, tt.remote, got, ok, tt.want)
		}
	}
}

func TestParseSocketLineRejects(t *testing.T) {
	for _, line := range []string{
		"",
		"0: 0100007F:845B",
		"0 0100007F:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0",   // no colon after sl
		"0: 0100007F845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0",   // no colon in the address
		"0: 0100007F:845 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0",   // short port
		"0: 0100007:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0",   // short address
		"0: 0100007G:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0",  // not hex
		"0: 0100007F:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1", // negative uid
		"0: 0100007F:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 4294967296",
		"0: 0100007F:845B 00000000:0000 A 00000000:00000000 00:00000000 00000000 0",  // short state
		"0: 0100007F:845B 00000000:0000 0G 00000000:00000000 00:00000000 00000000 0", // state not hex
	} {
		if e, err := parseSocketLine([]byte(line)); err == nil {
			t.Errorf("parseSocketLine(%q) = %+v, want an error", line, e)
		}
	}
}

// A line too long for the scanner ends the read with an error rather than
// being read whole: the table is bounded per line.
func TestFindOwnerBoundsALine(t *testing.T) {
	table := "header\n" + strings.Repeat("x", 10*maxTableLine) + "\n"
	ap := netip.MustParseAddrPort("127.0.0.1:1")
	if _, ok, err := findSocket(strings.NewReader(table), false, ap, ap); ok || err == nil {
		t.Fatalf("findSocket of an endless line = %v, %v; want an error", ok, err)
	}
}

func FuzzParseSocketLine(f *testing.F) {
	for _, l := range strings.Split(sampleTCP+sampleTCP6, "\n") {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := parseSocketLine(line)
		if err != nil {
			return
		}
		// What parsed is two valid endpoints.
		if !e.local.IsValid() || !e.remote.IsValid() {
			t.Fatalf("parseSocketLine(%q) = %+v: an invalid endpoint without an error", line, e)
		}
	})
}
