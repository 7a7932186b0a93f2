package proxy

import (
	"net"
	"os"
	"strings"
	"testing"
)

// The owner of a connection from this process is this process's user, read
// from the real /proc tables, over IPv4 and IPv6.
func TestPeerOwnerOfOwnConnection(t *testing.T) {
	for _, network := range []string{"127.0.0.1:0", "[::1]:0"} {
		l, err := net.Listen("tcp", network)
		if err != nil {
			t.Logf("skipping %s: %v", network, err)
			continue
		}
		defer l.Close()
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		accepted, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer accepted.Close()
		uid, known, err := peerOwner(accepted)
		if err != nil || !known || uid != uint32(os.Getuid()) {
			t.Fatalf("%s: peerOwner = %d, %v, %v; want %d, true", network, uid, known, err, os.Getuid())
		}
	}
}

// The listener closes a connection of a user not allowed before handing it
// on, and one whose owner cannot be read, and says why for each; it hands
// on those of every allowed user.
func TestOwnerListenerRefuses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	answers := []struct {
		uid   uint32
		known bool
		err   error
	}{{65534, true, nil}, {0, false, os.ErrPermission}, {1000, true, nil}, {1001, true, nil}}
	var refusals []string
	ol := &ownerListener{Listener: l, allowed: []uint32{1000, 1001}, owner: func(net.Conn) (uint32, bool, error) {
		a := answers[0]
		answers = answers[1:]
		return a.uid, a.known, a.err
	}, refused: func(peer, why string) { refusals = append(refusals, why) }}
	for range 4 {
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
	if len(answers) != 0 || len(refusals) != 2 || !strings.Contains(refusals[0], "another user (uid 65534)") || !strings.Contains(refusals[1], "could not be read") {
		t.Fatalf("refusals %q", refusals)
	}
}
