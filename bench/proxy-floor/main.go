// Command proxy-floor is the least a Go reverse proxy does, for make bench
// to set beside monitor-token proxy: net/http/httputil's single-host proxy
// with the Monitor token added and a keep-alive pool, and nothing else (no
// admission checks, no log, no renewal). Its figures say what the
// standard library's proxying costs on this machine, so that the
// difference to monitor-token proxy is what monitor-token adds.
//
//	BENCH_TOKEN=... proxy-floor UPSTREAM_URL LISTEN_ADDR
//
// The token comes through the environment, never the command line. A bench
// tool only, no part of monitor-token.
package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
)

func main() {
	if len(os.Args) != 3 || os.Getenv("BENCH_TOKEN") == "" {
		fmt.Fprintln(os.Stderr, "usage: BENCH_TOKEN=... proxy-floor UPSTREAM_URL LISTEN_ADDR")
		os.Exit(2)
	}
	upstream, err := url.Parse(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxy-floor:", err)
		os.Exit(2)
	}
	bearer := "Bearer " + os.Getenv("BENCH_TOKEN")
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	t.TLSClientConfig = &tls.Config{NextProtos: []string{"http/1.1"}} // as monitor-token proxy
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Header.Set("Authorization", bearer)
		},
		Transport: t,
	}
	if err := http.ListenAndServe(os.Args[2], rp); err != nil {
		fmt.Fprintln(os.Stderr, "proxy-floor:", err)
		os.Exit(1)
	}
}
