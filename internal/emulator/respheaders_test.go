package emulator

import (
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Headers set through the control API go on every answer outside it: a normal one, an error, a
// faulted one; never on the control API's own; {} takes them away again.
func TestControlResponseHeaders(t *testing.T) {
	f := newFixture(t)
	set := wire{"POST", "/_emulator/response-headers", nil,
		`{"Access-Control-Allow-Origin":["*"],"access-control-allow-credentials":["true"],"Set-Cookie":["session=emulator; Path=/","theme=dark"]}`}
	if res := f.do(t, set); res.status != 204 {
		t.Fatalf("response-headers: %d %s", res.status, res.body)
	}
	f.e.InjectFault(RouteTeams, Fault{Status: 503})
	want := http.Header{
		"Access-Control-Allow-Origin":      {"*"},
		"Access-Control-Allow-Credentials": {"true"},
		"Set-Cookie":                       {"session=emulator; Path=/", "theme=dark"},
	}
	for _, tc := range []struct {
		name   string
		req    wire
		status int
	}{
		{"served", monitorGet("/prometheus/api/v1/query?query=up", "Authorization: Bearer {monitor}"), 200},
		{"faulted", monitorGet("/api/teams", "Authorization: Bearer {monitor}"), 503},
		{"no token", monitorGet("/api/teams"), 401},
		{"unknown path", monitorGet("/api/nothing"), 404},
	} {
		res := f.do(t, tc.req)
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, res.status, tc.status)
		}
		for name, values := range want {
			if got := res.header.Values(name); !reflect.DeepEqual(got, values) {
				t.Errorf("%s: %s = %q, want %q", tc.name, name, got, values)
			}
		}
	}
	if res := f.do(t, monitorGet("/_emulator/counts")); res.header.Get("Set-Cookie") != "" || res.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the control API's own answer got the headers: %v", res.header)
	}
	// A handler's own header wins over an added one of the same name.
	f.do(t, wire{"POST", "/_emulator/response-headers", nil, `{"Content-Type":["text/html"]}`})
	if res := f.do(t, monitorGet("/api/teams", "Authorization: Bearer {monitor}")); res.header.Get("Content-Type") != "application/json" || res.header.Get("Set-Cookie") != "" {
		t.Errorf("after a replacement: %v", res.header)
	}
	f.do(t, wire{"POST", "/_emulator/response-headers", nil, `{}`})
	if res := f.do(t, monitorGet("/api/teams")); len(res.header.Values("Content-Type")) != 1 || res.header.Get("Set-Cookie") != "" {
		t.Errorf("after {}: %v", res.header)
	}

	f.run(t, []wireCase{
		{"not an object", wire{"POST", "/_emulator/response-headers", nil, `["Set-Cookie"]`}, 400,
			`{"message":"response headers: json: cannot unmarshal array into Go value of type http.Header"}`},
		{"a string, not a list", wire{"POST", "/_emulator/response-headers", nil, `{"Set-Cookie":"a=b"}`}, 400,
			`{"message":"response headers: json: cannot unmarshal string into Go value of type []string"}`},
		{"a line break", wire{"POST", "/_emulator/response-headers", nil, `{"Set-Cookie":["a=b\r\nX-Injected: 1"]}`}, 400,
			`{"message":"response headers: header Set-Cookie: a control character in the value"}`},
		{"a bad name", wire{"POST", "/_emulator/response-headers", nil, `{"Set Cookie":["a=b"]}`}, 400,
			`{"message":"response headers: header name \"Set Cookie\" is not an HTTP token"}`},
		{"trailing data", wire{"POST", "/_emulator/response-headers", nil, `{}{}`}, 400,
			`{"message":"response headers: trailing data after the JSON object"}`},
		{"GET", monitorGet("/_emulator/response-headers"), 405, methodNotAllow},
	})
	if n := len(f.e.Requests()); n != 6 {
		t.Errorf("%d requests recorded, want the 6 outside the control API", n)
	}
}

func TestSetResponseHeadersPanicsOnInvalid(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "control character") {
			t.Errorf("recover() = %v", v)
		}
	}()
	New().SetResponseHeaders(http.Header{"Set-Cookie": {"a\nb"}})
}

// The upgrade route, byte for byte on the connection: the 101 with the protocol asked for, the
// one line, then the end; refused without the upgrade headers or credentials.
func TestControlUpgrade(t *testing.T) {
	f := newFixture(t)
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	raw := func(req string) string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, strings.ReplaceAll(f.vars.Replace(req), "\n", "\r\n")); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("reading the answer: %v (so far %q)", err, b)
		}
		return string(b)
	}
	got := raw("GET /_emulator/upgrade HTTP/1.1\nHost: emulator\nConnection: keep-alive, Upgrade\nUpgrade: websocket\nAuthorization: Bearer {monitor}\n\n")
	if want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nupgraded to websocket\n"; got != want {
		t.Errorf("upgrade answered %q, want %q", got, want)
	}
	for _, tc := range []struct{ name, req, status string }{
		{"no Upgrade", "GET /_emulator/upgrade HTTP/1.1\nHost: emulator\nConnection: Upgrade\nAuthorization: Bearer {monitor}\nConnection: close\n\n", "HTTP/1.1 400 "},
		{"no Connection: Upgrade", "GET /_emulator/upgrade HTTP/1.1\nHost: emulator\nUpgrade: websocket\nAuthorization: Bearer {monitor}\nConnection: close\n\n", "HTTP/1.1 400 "},
		{"no token", "GET /_emulator/upgrade HTTP/1.1\nHost: emulator\nConnection: Upgrade, close\nUpgrade: websocket\n\n", "HTTP/1.1 401 "},
		{"a reset token", "GET /_emulator/upgrade HTTP/1.1\nHost: emulator\nConnection: Upgrade, close\nUpgrade: websocket\nAuthorization: Bearer {monitor_reset}\n\n", "HTTP/1.1 401 "},
	} {
		if got := raw(tc.req); !strings.HasPrefix(got, tc.status) {
			t.Errorf("%s: answered %q, want %q...", tc.name, got, tc.status)
		}
	}
	if n := len(f.e.Requests()); n != 0 {
		t.Errorf("%d control requests recorded", n)
	}
}
