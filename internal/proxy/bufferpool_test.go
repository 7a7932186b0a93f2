package proxy

import "testing"

func TestBufferPoolHandsOutWholeBuffers(t *testing.T) {
	p := newBufferPool()
	buf := p.Get()
	if len(buf) != 32768 {
		t.Fatalf("Get: %d bytes, want 32768", len(buf))
	}
	buf[0] = 'x'
	p.Put(buf)
	// A buffer cut short (as a caller might reslice it) is not kept:
	// Get must never hand out less than a whole buffer.
	p.Put(make([]byte, 100))
	for range 10 {
		if got := len(p.Get()); got != 32768 {
			t.Fatalf("Get after Put of a 100-byte slice: %d bytes, want 32768", got)
		}
	}
}

func TestBufferPoolDoesNotAllocate(t *testing.T) {
	p := newBufferPool()
	p.Put(p.Get())
	allocs := testing.AllocsPerRun(100, func() { p.Put(p.Get()) })
	// Under -race sync.Pool drops items at random, so a Get may allocate a
	// new buffer now and then; a Put that boxes a slice allocates every
	// time.
	if allocs >= 1 {
		t.Fatalf("Get and Put: %.2f allocations per round, want fewer than 1", allocs)
	}
}

func TestNewCopiesAnswersThroughTheBufferPool(t *testing.T) {
	p := New(Options{})
	if _, ok := p.rp.BufferPool.(*bufferPool); !ok {
		t.Fatalf("ReverseProxy.BufferPool is %T, want *bufferPool", p.rp.BufferPool)
	}
}
