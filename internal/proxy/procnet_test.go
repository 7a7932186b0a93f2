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
// apart.
const sampleTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 625 1 0000000014fe6dcb 100 0 0 10 0                       
   1: 0100007F:845B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 154050 1 00000000c5ede136 100 0 0 10 0                    
   2: 0100007F:8FD4 0100007F:845B 01 00000000:00000000 00:00000000 00000000 65534        0 154051 1 00000000c5ede137 20 0 0 10 -1
   3: 0100007F:845B 0100007F:8FD4 01 00000000:00000000 00:00000000 00000000  1000        0 154052 1 00000000c5ede138 20 0 0 10 -1
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

func TestFindOwner(t *testing.T) {
	if !littleEndian() {
		t.Skip("the sample tables are a little-endian kernel's")
	}
	ap := netip.MustParseAddrPort
	tests := []struct {
		name          string
		table         string
		local, remote netip.AddrPort
		uid           uint32
		ok            bool
	}{
		{"IPv4 client of another user", sampleTCP, ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), 65534, true},
		{"IPv4 accepted end", sampleTCP, ap("127.0.0.1:33883"), ap("127.0.0.1:36820"), 1000, true},
		{"IPv4 no such connection", sampleTCP, ap("127.0.0.1:36821"), ap("127.0.0.1:33883"), 0, false},
		{"IPv4 right ports, other address", sampleTCP, ap("127.0.0.2:36820"), ap("127.0.0.1:33883"), 0, false},
		{"IPv6 client", sampleTCP6, ap("[::1]:40196"), ap("[::1]:56913"), 1001, true},
		{"IPv4-mapped in tcp6 matches the IPv4 address", sampleTCP6, ap("127.0.0.1:33883"), ap("127.0.0.1:36864"), 1002, true},
		{"IPv4 asked as mapped", sampleTCP, ap("[::ffff:127.0.0.1]:36820"), ap("[::ffff:127.0.0.1]:33883"), 65534, true},
		{"header only", strings.SplitAfterN(sampleTCP, "\n", 2)[0], ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), 0, false},
		{"empty", "", ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), 0, false},
		{"broken lines are skipped, not fatal", "header\n   0: zz\n   1: 0100007F:8FD4 0100007F:845B 01 x x x uid\n" + strings.SplitN(sampleTCP, "\n", 2)[1], ap("127.0.0.1:36820"), ap("127.0.0.1:33883"), 65534, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid, ok, err := findOwner(strings.NewReader(tt.table), tt.local, tt.remote)
			if err != nil || uid != tt.uid || ok != tt.ok {
				t.Fatalf("findOwner = %d, %v, %v; want %d, %v", uid, ok, err, tt.uid, tt.ok)
			}
		})
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
	if _, ok, err := findOwner(strings.NewReader(table), netip.AddrPort{}, netip.AddrPort{}); ok || err == nil {
		t.Fatalf("findOwner of an endless line = %v, %v; want an error", ok, err)
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
