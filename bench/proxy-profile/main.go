// Command proxy-profile is monitor-token with a CPU profile, for make bench
// to find where `monitor-token proxy` spends its time under load
// (scripts/bench-proxy.sh, BENCH_PROXY_PROFILE): it runs the program as
// main.go does, the same code end to end (the proxy, its request log,
// the credential holder), and writes a CPU profile (runtime/pprof) of the
// whole run to the file BENCH_CPUPROFILE names. SIGTERM ends the proxy
// and so the profile.
//
//	BENCH_CPUPROFILE=FILE proxy-profile proxy --listen 127.0.0.1:0
//
// monitor-token itself has no profiling switch: this keeps one out of the
// product. A bench tool only, no part of monitor-token.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/monitor-token/monitor-token/internal/app"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

func main() {
	path := os.Getenv("BENCH_CPUPROFILE")
	if path == "" {
		fmt.Fprintln(os.Stderr, "usage: BENCH_CPUPROFILE=FILE proxy-profile proxy [flags]")
		os.Exit(2)
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxy-profile: cannot create the profile:", err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "proxy-profile: cannot start the profile:", err)
		os.Exit(1)
	}
	ctx, stop := app.NotifyContext(context.Background())
	code := app.Run(ctx, app.Env{
		// Args[0] picks the personality (internal/app): the CLI's.
		Args:    append([]string{"monitor-token"}, os.Args[1:]...),
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Environ: os.Environ(),
		NewAPI: func(userAgent string) *monitorapi.Client {
			c := monitorapi.New(userAgent)
			c.Grants = sdkgrant.Grants{}
			return c
		},
	})
	stop()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "proxy-profile: cannot write the profile:", err)
		os.Exit(1)
	}
	os.Exit(code)
}
