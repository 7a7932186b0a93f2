package integration

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdFreePort sets VAR to a TCP port on 127.0.0.1 that was free a moment
// ago, for a server a script starts in the background:
//
//	free-port VAR
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: free-port VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	ts.Setenv(args[0], port)
}

// cmdAwaitListen waits (up to 10 s) until something accepts connections
// at HOST:PORT:
//
//	await-listen HOST:PORT
func cmdAwaitListen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: await-listen HOST:PORT")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s after 10s: %v", args[0], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdPeakRSS checks the peak resident memory (VmHWM in /proc/PID/status)
// of the one process whose command line holds every WORD, against a limit
// in MiB:
//
//	peak-rss MAX_MIB WORD...
func cmdPeakRSS(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: peak-rss MAX_MIB WORD...")
	}
	limit, err := strconv.Atoi(args[0])
	ts.Check(err)
	dirs, err := filepath.Glob("/proc/[0-9]*")
	ts.Check(err)
	var found []string
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		words := strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00")
		if containsAll(words, args[1:]) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		ts.Fatalf("%d processes with %q in their command line, want 1", len(found), args[1:])
	}
	status, err := os.ReadFile(filepath.Join(found[0], "status"))
	ts.Check(err)
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			ts.Check(err)
			ts.Logf("peak resident memory: %d KiB", kb)
			if kb > limit<<10 {
				ts.Fatalf("peak resident memory %d KiB, over %d MiB", kb, limit)
			}
			return
		}
	}
	ts.Fatalf("no VmHWM in %s/status", found[0])
}

// cmdNetns makes a network namespace joined to this one by a veth pair,
// for a caller on "another machine": it sets NSVAR to the namespace's name,
// HOSTVAR to this side's address and PEERVAR to the namespace's. The
// addresses come from 198.18.0.0/15, the range RFC 2544 sets aside for
// benchmark tests, which no real network uses; the namespace, the pair and
// the routes go away when the script ends. It needs root and ip(8):
//
//	netns NSVAR HOSTVAR PEERVAR
func cmdNetns(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: netns NSVAR HOSTVAR PEERVAR")
	}
	// One /30 per process, so concurrent runs do not collide.
	n := os.Getpid() % 16384
	name := "mt" + strconv.Itoa(os.Getpid())
	host := "198.18." + strconv.Itoa(n/64) + "." + strconv.Itoa(n%64*4+1)
	peer := "198.18." + strconv.Itoa(n/64) + "." + strconv.Itoa(n%64*4+2)
	hostIf, peerIf := "vh"+strconv.Itoa(os.Getpid()), "vp"+strconv.Itoa(os.Getpid())
	ip := func(args ...string) {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			ts.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", name)
	ts.Defer(func() { exec.Command("ip", "netns", "del", name).Run() })
	ip("link", "add", hostIf, "type", "veth", "peer", "name", peerIf)
	ts.Defer(func() { exec.Command("ip", "link", "del", hostIf).Run() })
	ip("link", "set", peerIf, "netns", name)
	ip("addr", "add", host+"/30", "dev", hostIf)
	ip("link", "set", hostIf, "up")
	ip("-n", name, "addr", "add", peer+"/30", "dev", peerIf)
	ip("-n", name, "link", "set", peerIf, "up")
	ip("-n", name, "link", "set", "lo", "up")
	ts.Setenv(args[0], name)
	ts.Setenv(args[1], host)
	ts.Setenv(args[2], peer)
}
