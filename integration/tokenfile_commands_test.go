package integration

import (
	"bytes"
	"os"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdAwaitFile waits (up to 15 s) until FILE exists and is not empty, and,
// given OLD, until its content differs from OLD's: a watching writer in
// the background has written it, or replaced it:
//
//	await-file FILE [OLD]
func cmdAwaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: await-file FILE [OLD]")
	}
	var old []byte
	if len(args) == 2 {
		var err error
		old, err = os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && len(b) > 0 && (old == nil || !bytes.Equal(b, old)) {
			return
		}
		if time.Now().After(deadline) {
			if old != nil {
				ts.Fatalf("%s still as %s after 15s (%v)", args[0], args[1], err)
			}
			ts.Fatalf("no %s after 15s: %v", args[0], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdRemoteWrite waits on the emulator's remote-write receiver, for the
// bearer in $VAR (which stays out of the log):
//
//	remote-write accepted VAR   within 30 s it accepts samples sent with it
//	remote-write grows VAR      within 30 s it accepts more than it had so far
//	remote-write frozen VAR     in the next 3 s it accepts nothing more
//
// Each logs the count it saw, the figure a closing note quotes.
func cmdRemoteWrite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: remote-write accepted|grows|frozen VAR")
	}
	w := worldOf(ts)
	bearer := ts.Getenv(args[1])
	if bearer == "" {
		ts.Fatalf("$%s is empty", args[1])
	}
	start := w.emu.RemoteWriteSamples(bearer)
	wait := func(limit time.Duration, done func(n int) bool) (int, bool) {
		deadline := time.Now().Add(limit)
		for {
			n := w.emu.RemoteWriteSamples(bearer)
			if done(n) {
				return n, true
			}
			if time.Now().After(deadline) {
				return n, false
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	switch args[0] {
	case "accepted", "grows":
		// 30 s: Prometheus sends nothing until it has replayed its WAL
		// (about 5 s here), and a loaded machine may take longer.
		n, ok := wait(30*time.Second, func(n int) bool { return n > start || (args[0] == "accepted" && n > 0) })
		if !ok {
			ts.Fatalf("remote write under $%s: %d samples accepted, no more after 30s", args[1], n)
		}
		ts.Logf("remote write under $%s: %d samples accepted (was %d)", args[1], n, start)
	case "frozen":
		n, grew := wait(3*time.Second, func(n int) bool { return n > start })
		if grew {
			ts.Fatalf("remote write under $%s: %d samples accepted, was %d 3s ago", args[1], n, start)
		}
		ts.Logf("remote write under $%s: still %d samples", args[1], n)
	default:
		ts.Fatalf("usage: remote-write accepted|grows|frozen VAR")
	}
}
