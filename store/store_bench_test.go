package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// Benchmarks of the store round trip, part of the warm path whose budget
// docs/performance.md sets and measures. The in-memory
// store measures what Store adds around a backend (the deadline goroutine,
// the size check, the error mapping); the real keyring measures one read
// of the OS keyring over D-Bus, the whole of monitor-token's warm path
// apart from start-up. That one runs when MONITOR_TOKEN_REAL_KEYRING=1,
// which TestMain sets after starting a private gnome-keyring when the
// machine has one:
//
//	go test -run '^$' -bench . -benchmem ./store/

// benchEntry has the shape and size of a cached Monitor token entry.
const benchEntry = `{"endpoint":"https://us-south.monitoring.cloud.ibm.com","instance_id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","team_id":"26055","token":"6f1b4a0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"}`

func BenchmarkMemorySetGet(b *testing.B) {
	s := NewMemory("monitor-token-bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Set(ctx, "default/monitor-token", benchEntry); err != nil {
			b.Fatal(err)
		}
		got, err := s.Get(ctx, "default/monitor-token")
		if err != nil || got != benchEntry {
			b.Fatalf("Get = %q, %v", got, err)
		}
	}
}

func BenchmarkMemoryGet(b *testing.B) {
	s := NewMemory("monitor-token-bench")
	ctx := context.Background()
	if err := s.Set(ctx, "default/monitor-token", benchEntry); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, "default/monitor-token"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRealKeyringGet is one warm read of the OS keyring, as `get`
// makes it: a Store.Get with the default deadline.
func BenchmarkRealKeyringGet(b *testing.B) {
	if os.Getenv(realKeyringEnv) != "1" {
		b.Skipf("needs a real Secret Service: %s=1 (TestMain sets it when gnome-keyring is installed)", realKeyringEnv)
	}
	s := New(fmt.Sprintf("monitor-token-bench-%d-%d", os.Getpid(), time.Now().UnixNano()))
	ctx := context.Background()
	if err := s.Set(ctx, "default/monitor-token", benchEntry); err != nil {
		b.Fatalf("the keyring is not usable: %v", err)
	}
	b.Cleanup(func() {
		if err := s.DeleteAll(context.Background()); err != nil {
			b.Errorf("cleaning up: %v", err)
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.Get(ctx, "default/monitor-token")
		if err != nil || got != benchEntry {
			b.Fatalf("Get = %q, %v", got, err)
		}
	}
}
