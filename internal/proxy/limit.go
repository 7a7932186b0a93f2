package proxy

import (
	"net"
	"net/netip"
	"sync"
)

// connLimiter is the bound shared by the listeners of one proxy (its
// loopback addresses of both families): at most n connections open at
// once, Accept waiting for one to close (as
// golang.org/x/net/netutil.LimitListener does; this package needs no more
// of x/net). A peer on another machine gets at most perRemote of them, so
// that one remote address cannot hold them all; its next connection is
// closed at once.
type connLimiter struct {
	slots     chan struct{}
	perRemote int

	mu   sync.Mutex
	open map[netip.Addr]int // connections open, by remote address
}

func newConnLimiter(n, perRemote int) *connLimiter {
	return &connLimiter{slots: make(chan struct{}, n), perRemote: perRemote, open: map[netip.Addr]int{}}
}

func (c *connLimiter) listener(l net.Listener) net.Listener {
	return &limitedListener{Listener: l, connLimiter: c}
}

type limitedListener struct {
	net.Listener
	*connLimiter
}

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		l.slots <- struct{}{}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.slots
			return nil, err
		}
		addr, counted := remoteAddr(c)
		if counted {
			l.mu.Lock()
			full := l.open[addr] >= l.perRemote
			if !full {
				l.open[addr]++
			}
			l.mu.Unlock()
			if full {
				c.Close()
				<-l.slots
				continue
			}
		}
		return &limitedConn{Conn: c, release: func() {
			if counted {
				l.mu.Lock()
				if l.open[addr]--; l.open[addr] == 0 {
					delete(l.open, addr)
				}
				l.mu.Unlock()
			}
			<-l.slots
		}}, nil
	}
}

// remoteAddr is c's peer address when it is another machine's (not
// loopback), which the per-address bound counts.
func remoteAddr(c net.Conn) (netip.Addr, bool) {
	t, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}, false
	}
	a := t.AddrPort().Addr().Unmap().WithZone("")
	return a, !a.IsLoopback()
}

// limitedConn gives its slot back once, on the first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
