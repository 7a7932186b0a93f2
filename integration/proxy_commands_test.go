package integration

import (
	"bytes"
	"net"
	"os"
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
