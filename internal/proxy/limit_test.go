package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// A body trickled in slower than BodyTimeout is cut off: the service gets
// none of it, and the connection is not held.
func TestTrickledBodyIsCutOff(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "mon-1"})
	r.proxy.o.BodyTimeout = 200 * time.Millisecond
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/x HTTP/1.1\r\nHost: %s\r\nContent-Length: 10\r\n\r\n0", r.addr)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "did not arrive within 200ms") {
		t.Fatalf("a trickled body got %d %q, want 408", resp.StatusCode, body)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("the proxy held the connection %s", waited)
	}
	if seen := r.up.requests(); len(seen) != 0 {
		t.Fatalf("the service got %+v", seen)
	}
}

// A body that arrives in time is not held to the limit afterwards: an
// answer slower than BodyTimeout still comes through whole.
func TestBodyTimeoutDoesNotCutTheAnswer(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		time.Sleep(400 * time.Millisecond)
		io.WriteString(w, "late but whole")
	}))
	defer slow.Close()
	target, _ := url.Parse(slow.URL)
	p := New(Options{Upstream: target, Source: &source{creds: monitorapi.Credentials{Bearer: "b"}},
		Hosts: []string{"x"}, Log: func(string, ...any) {}, BodyTimeout: 100 * time.Millisecond})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	defer srv.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "late but whole" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

// At most n connections are open; the next waits until one closes.
func TestConnectionsAreBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ll := newConnLimiter(2, 2).listener(l)
	defer ll.Close()
	accepted := acceptAll(ll)
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first, second := <-accepted, <-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted while two were open")
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	first.Close() // a second Close gives back nothing more
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the third connection was not accepted after one closed")
	}
	second.Close()
}

// fakeRemote makes every accepted connection look as if it came from
// another machine's address.
type fakeRemote struct{ net.Listener }

type fakeRemoteConn struct{ net.Conn }

func (c fakeRemoteConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(198, 18, 0, 2), Port: 40000}
}

func (l fakeRemote) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return fakeRemoteConn{c}, nil
}

// One remote address gets at most perRemote connections; more are closed
// at once, and do not wait for a slot.
func TestConnectionsPerRemoteAddressAreBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ll := newConnLimiter(10, 2).listener(fakeRemote{l})
	defer ll.Close()
	accepted := acceptAll(ll)
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	first := <-accepted
	<-accepted
	// The third is closed by the listener: its client reads EOF.
	clients[2].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := clients[2].Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the third connection from one address: %v, want it closed", err)
	}
	select {
	case <-accepted:
		t.Fatal("a third connection from one address was accepted")
	default:
	}
	first.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted after one of the two closed")
	}
}

// A refused request closes its connection: refused callers hold no slot.
func TestRefusedRequestClosesTheConnection(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "mon-1"})
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /api/x HTTP/1.1\r\nHost: evil.example\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusForbidden || !resp.Close {
		t.Fatalf("%v %v: want 403 with Connection: close", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the refusal: %v, want the connection closed", err)
	}
}

// acceptAll accepts from l until it is closed, handing each connection on.
func acceptAll(l net.Listener) <-chan net.Conn {
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	return accepted
}
