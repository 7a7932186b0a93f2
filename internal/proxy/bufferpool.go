package proxy

import "sync"

// copyBufferSize is the size of the buffers a response body is copied
// through: the size ReverseProxy allocates for every response when it has
// no pool (net/http/httputil, reverseproxy.go, copyBuffer).
const copyBufferSize = 32 << 10

// bufferPool is ReverseProxy's BufferPool: it reuses the 32 KiB buffers
// that ReverseProxy would otherwise allocate, and leave to the garbage
// collector, once per proxied response. It keeps array pointers, not
// slices, so that neither Get nor Put allocates (a slice stored in a
// sync.Pool is boxed on every Put; a pointer is not).
type bufferPool struct {
	pool sync.Pool
}

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any { return new([copyBufferSize]byte) }}}
}

// Get returns a buffer of copyBufferSize bytes.
func (b *bufferPool) Get() []byte {
	return b.pool.Get().(*[copyBufferSize]byte)[:]
}

// Put takes back a buffer that Get handed out; a buffer of another length
// is left to the garbage collector, so that Get always returns a whole
// buffer.
func (b *bufferPool) Put(buf []byte) {
	if len(buf) != copyBufferSize {
		return
	}
	b.pool.Put((*[copyBufferSize]byte)(buf))
}
