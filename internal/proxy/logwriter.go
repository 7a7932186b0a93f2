package proxy

import (
	"io"
	"sync"
	"time"
)

// LogWriter gathers a running proxy's log lines and writes them in batches:
// one write a flush interval, or when a batch fills, rather than one system
// call a request (docs/performance.md, "Proxy"). A line is never split, and
// every line is out by FlushEvery after it was logged, or at Close.
type LogWriter struct {
	w     io.Writer
	mu    sync.Mutex
	buf   []byte
	timer *time.Timer
	// err is the first failed write: later lines are dropped, as a
	// stderr that fails would fail them too.
	err    error
	closed bool
}

// FlushEvery bounds how long a logged line waits to be written.
const FlushEvery = 100 * time.Millisecond

// flushAt is the batch size that is written at once, without waiting.
const flushAt = 32 << 10

// NewLogWriter batches lines for w.
func NewLogWriter(w io.Writer) *LogWriter { return &LogWriter{w: w} }

// WriteLine logs line, which ends without a newline.
func (l *LogWriter) WriteLine(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	l.buf = append(append(l.buf, line...), '\n')
	switch {
	case l.closed || len(l.buf) >= flushAt:
		l.flushLocked()
	case l.timer == nil:
		l.timer = time.AfterFunc(FlushEvery, l.Flush)
	}
}

// Flush writes what is gathered.
func (l *LogWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}

func (l *LogWriter) flushLocked() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if len(l.buf) == 0 || l.err != nil {
		return
	}
	_, l.err = l.w.Write(l.buf)
	l.buf = l.buf[:0]
}

// Close writes what is left; lines logged after it are written at once.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.flushLocked()
	return l.err
}
