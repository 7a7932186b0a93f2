// Command floor is the floor of the performance budget (docs/performance.md):
// the least a Go program can do to hand out monitor-token's cached token. It
// makes exactly one go-keyring Get of the item a warm `monitor-token get`
// reads (service "monitor-token", user "default/monitor-token"; other
// profiles with -user) and prints what it finds: the raw cache entry, not
// just the token, since decoding it is monitor-token's work, not the floor's.
//
// scripts/bench.sh (make bench) times it side by side with monitor-token
// and secret-tool. It is the one importer of go-keyring outside store/, and
// it is sanctioned because the budget defines the floor as exactly this: one
// go-keyring Get, with nothing of monitor-token around it (no deadline, no
// error classification, no config). It is a benchmark tool, not part of
// monitor-token.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/zalando/go-keyring"
)

func main() {
	service := flag.String("service", "monitor-token", "keyring service attribute")
	user := flag.String("user", "default/monitor-token", "keyring username attribute")
	flag.Parse()
	secret, err := keyring.Get(*service, *user)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Println(secret)
}
