package commands

import (
	"bytes"
	"testing"
)

// Benchmarks of each `get --format` writer (the output formatting; figures
// in docs/performance.md, "Go benchmarks"), for a Monitor token and for an
// IAM token (IAM_ONLY instances, where header and env print more):
//
//	go test -run '^$' -bench . -benchmem ./internal/commands/
func BenchmarkGetFormat(b *testing.B) {
	outputs := []struct {
		name string
		o    tokenOutput
	}{
		{"monitor", tokenOutput{
			Token:      "6f1b4a0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
			Endpoint:   "https://us-south.monitoring.cloud.ibm.com",
			InstanceID: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
			TeamID:     "26055",
			Profile:    "default",
			Cached:     true,
			Auth:       "token",
		}},
		{"iam", tokenOutput{
			// An IAM access token is a JWT of about a kilobyte.
			Token:       "eyJraWQiOiIyMDI1MDEwMTAwMDAiLCJhbGciOiJSUzI1NiJ9." + string(bytes.Repeat([]byte("x"), 900)) + ".sig",
			Endpoint:    "https://us-south.monitoring.cloud.ibm.com",
			InstanceID:  "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
			TeamID:      "26055",
			Profile:     "default",
			Cached:      true,
			Auth:        "iam",
			IAMEndpoint: "https://iam.cloud.ibm.com",
			ExpiresAt:   "2025-01-01T01:00:00Z",
		}},
	}
	for _, format := range []string{"token", "header", "json", "env"} {
		write := tokenFormatWriter(format)
		if write == nil {
			b.Fatalf("no writer for --format %s", format)
		}
		for _, out := range outputs {
			b.Run(format+"/"+out.name, func(b *testing.B) {
				var buf bytes.Buffer
				b.ReportAllocs()
				for b.Loop() {
					buf.Reset()
					if err := write(&buf, out.o); err != nil {
						b.Fatal(err)
					}
				}
				if !bytes.Contains(buf.Bytes(), []byte(out.o.Token)) {
					b.Fatalf("--format %s wrote no token: %q", format, buf.Bytes())
				}
			})
		}
	}
}
