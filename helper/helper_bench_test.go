package helper

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// Benchmarks of the git credential-helper protocol on the requests git
// really sends: the parser is on the warm path of every git fetch, whose
// budget docs/performance.md sets. make bench measures the whole process;
// these measure the parser and the answer alone:
//
//	go test -run '^$' -bench . -benchmem ./helper/

// benchRequests are typical requests: what git 2.39 sends for
// `git fetch` (no capabilities, no blank line at the end) and what git
// 2.46+ sends (the authtype capability, a WWW-Authenticate header after a
// 401, the blank line).
var benchRequests = []struct {
	name string
	in   string
}{
	{"git239", "protocol=https\nhost=us-south.monitoring.cloud.ibm.com\n"},
	{"git246", "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=us-south.monitoring.cloud.ibm.com\n" +
		"wwwauth[]=Bearer realm=\"IBM Cloud Monitoring\"\n\n"},
}

// benchToken has the shape of a Monitor API token (a UUID).
const benchToken = "6f1b4a0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"

// benchSource serves benchToken for every host, without a lock or a map:
// the benchmark measures the helper, not the source.
type benchSource struct{}

func (benchSource) Token(context.Context, string, string) (string, bool, error) {
	return benchToken, true, nil
}

func (benchSource) Forget(context.Context, string, string, string) error { return nil }

func BenchmarkParseRequest(b *testing.B) {
	for _, tc := range benchRequests {
		b.Run(tc.name, func(b *testing.B) {
			in := []byte(tc.in)
			r := bytes.NewReader(in)
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				r.Reset(in)
				req, err := ParseRequest(r)
				if err != nil || req.Host == "" {
					b.Fatalf("ParseRequest = %+v, %v", req, err)
				}
			}
		})
	}
}

func BenchmarkRunGet(b *testing.B) {
	ctx := context.Background()
	for _, tc := range benchRequests {
		b.Run(tc.name, func(b *testing.B) {
			in := []byte(tc.in)
			r := bytes.NewReader(in)
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(in)
				out.Reset()
				if err := Run(ctx, "get", r, &out, benchSource{}); err != nil {
					b.Fatal(err)
				}
			}
			if !bytes.Contains(out.Bytes(), []byte(benchToken)) {
				b.Fatalf("Run get wrote %q, without the token", out.Bytes())
			}
		})
	}
}

func BenchmarkFormatAnswer(b *testing.B) {
	for _, tc := range benchRequests {
		b.Run(tc.name, func(b *testing.B) {
			req, err := ParseRequest(bytes.NewReader([]byte(tc.in)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := FormatAnswer(io.Discard, req, benchToken); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
