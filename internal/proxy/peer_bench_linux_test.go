package proxy

import (
	"bytes"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// unrelatedSockets is how many sockets another user may hold open while
// the owner connects: the accept path must cost the same with them.
const unrelatedSockets = 20000

// BenchmarkPeerOwner times the owner check of one accepted connection,
// with sock_diag and with /proc, among few sockets and among 20,000
// unrelated ones (holdSockets), and reports the median besides the mean:
//
//	go test -run '^$' -bench BenchmarkPeerOwner -benchtime 300x ./internal/proxy/
func BenchmarkPeerOwner(b *testing.B) {
	_, accepted := pair(b, "127.0.0.1:0", "tcp", "127.0.0.1")
	ways := []struct {
		name  string
		owner func(net.Conn) (peerSocket, bool, error)
	}{{"sock_diag", peerOwner}, {"proc", procOwner}}
	for _, unrelated := range []int{0, unrelatedSockets} {
		if unrelated > 0 {
			holdSockets(b, unrelated)
		}
		for _, way := range ways {
			b.Run(way.name+"/unrelated="+strconv.Itoa(unrelated), func(b *testing.B) {
				took := make([]time.Duration, 0, b.N)
				for b.Loop() {
					start := time.Now()
					s, local, err := way.owner(accepted)
					took = append(took, time.Since(start))
					if err != nil || !local || s.uid != uint32(os.Getuid()) {
						b.Fatalf("peerOwner = %+v, %v, %v", s, local, err)
					}
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "median-ns/op")
				b.ReportMetric(float64(tcpTableLines(b)), "sockets")
			})
		}
	}
}

// holdSockets holds n sockets open until the benchmark ends: n/2
// loopback connections, whose client ends this process holds and whose
// server ends wait, never accepted, in the queues of a few listeners.
// Each is an ESTABLISHED socket in the kernel's table, and the process
// needs only n/2 file descriptors (the hard limit may be too low for n,
// and raising it takes CAP_SYS_RESOURCE).
func holdSockets(b *testing.B, n int) {
	b.Helper()
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if need := uint64(n/2 + 500); lim.Cur < need {
		b.Fatalf("holding %d sockets needs %d open files, more than the limit %d; raise ulimit -n", n, need, lim.Cur)
	}
	// A listener's queue holds up to its backlog, which Go sets to
	// net.core.somaxconn (4096 by default); past it the kernel drops the
	// handshake, so each listener takes fewer.
	const perListener = 2000
	var conns []io.Closer
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	d := net.Dialer{Timeout: 5 * time.Second}
	var l net.Listener
	for made := 0; made < n/2; made++ {
		if made%perListener == 0 {
			var err error
			if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				b.Fatal(err)
			}
			conns = append(conns, l)
		}
		c, err := d.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatalf("after %d connections: %v", made, err)
		}
		conns = append(conns, c)
	}
}

// tcpTableLines counts the sockets in /proc/net/tcp.
func tcpTableLines(b *testing.B) int {
	t, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Count(t, []byte("\n")) - 1
}
