package proxy

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter counts the writes that reach it.
type countingWriter struct {
	mu     sync.Mutex
	writes int
	b      strings.Builder
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.b.Write(p)
}

func (c *countingWriter) state() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes, c.b.String()
}

// 1,000 lines logged together reach the stream in a few writes, whole and
// in order, within FlushEvery; Close writes what is left at once.
func TestLogWriterBatches(t *testing.T) {
	var w countingWriter
	l := NewLogWriter(&w)
	var want strings.Builder
	for i := 0; i < 1000; i++ {
		line := "GET /api/x 200 1.2ms #" + strings.Repeat("x", i%7)
		l.WriteLine(line)
		want.WriteString(line + "\n")
	}
	deadline := time.Now().Add(10 * FlushEvery)
	for {
		_, got := w.state()
		if got == want.String() || time.Now().After(deadline) {
			break
		}
		time.Sleep(FlushEvery / 4)
	}
	writes, got := w.state()
	if got != want.String() {
		t.Fatalf("after %s: %d bytes of %d reached the stream", 10*FlushEvery, len(got), want.Len())
	}
	if writes > 3 {
		t.Errorf("%d writes for 1000 lines, want a few", writes)
	}
	l.WriteLine("last")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, got := w.state(); !strings.HasSuffix(got, "\nlast\n") {
		t.Errorf("Close did not write the last line: %q", got[len(got)-20:])
	}
}
