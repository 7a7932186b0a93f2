// Command keyring-session starts one Secret Service provider on a private
// D-Bus bus under a throw-away HOME, as the tests do (internal/testkeyring),
// for make bench to measure each provider with the same commands:
//
//	keyring-session PROVIDER HOME
//
// PROVIDER is gnome-keyring, keepassxc or kwallet. When the provider is up
// it prints the shell lines that point a client at it
// (DBUS_SESSION_BUS_ADDRESS=...) and then waits; SIGINT or SIGTERM stops
// the provider and the bus. A provider this machine
// cannot run is exit status 3, with the reason on stderr. It is a bench
// tool only, no part of monitor-token.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/monitor-token/monitor-token/internal/shellword"
	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: keyring-session gnome-keyring|keepassxc|kwallet HOME")
		os.Exit(2)
	}
	p := testkeyring.Provider(os.Args[1])
	known := false
	for _, q := range testkeyring.Providers {
		known = known || q == p
	}
	if !known {
		fmt.Fprintf(os.Stderr, "keyring-session: unknown provider %q (gnome-keyring, keepassxc or kwallet)\n", p)
		os.Exit(2)
	}
	if reason := testkeyring.SkipReason(p); reason != "" {
		fmt.Fprintln(os.Stderr, "keyring-session:", reason)
		os.Exit(3)
	}
	s, err := testkeyring.StartProvider(os.Args[2], p, testkeyring.Unlocked)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keyring-session: starting %s: %v\n", p, err)
		os.Exit(1)
	}
	defer s.Stop()
	fmt.Printf("DBUS_SESSION_BUS_ADDRESS=%s\n", shellword.Word(s.Address))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
