package helper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// call is one call the helper made to the Source.
type call struct {
	op       string // "token" or "forget"
	protocol string
	host     string
	rejected string // Forget only
}

// fakeSource is an in-memory Source. It serves exactly the keys of tokens
// ("protocol://host") and records every call.
type fakeSource struct {
	mu     sync.Mutex
	tokens map[string]string
	err    error // returned by every call when set
	calls  []call
}

func newSource(tokens map[string]string) *fakeSource {
	m := make(map[string]string, len(tokens))
	for k, v := range tokens {
		m[k] = v
	}
	return &fakeSource{tokens: m}
}

func (s *fakeSource) Token(_ context.Context, protocol, host string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{op: "token", protocol: protocol, host: host})
	if s.err != nil {
		return "", false, s.err
	}
	tok, ok := s.tokens[protocol+"://"+host]
	return tok, ok, nil
}

func (s *fakeSource) Forget(_ context.Context, protocol, host, rejected string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{op: "forget", protocol: protocol, host: host, rejected: rejected})
	if s.err != nil {
		return s.err
	}
	if k := protocol + "://" + host; s.tokens[k] == rejected {
		delete(s.tokens, k)
	}
	return nil
}

func (s *fakeSource) snapshot() ([]call, map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tokens := make(map[string]string, len(s.tokens))
	for k, v := range s.tokens {
		tokens[k] = v
	}
	return append([]call(nil), s.calls...), tokens
}

// served is the Source of most cases: one host on the default port and
// the same host name on another port, with different tokens.
var served = map[string]string{
	"https://mon.example":      "tok-1",
	"https://mon.example:8443": "tok-2",
}

var errBoom = errors.New("boom: keyring locked")

const (
	bearer1   = "capability[]=authtype\nauthtype=Bearer\ncredential=tok-1\nephemeral=1\n"
	password1 = "username=\npassword=tok-1\n"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		stdin   string
		tokens  map[string]string // nil: served
		srcErr  error
		want    string // stdout, byte for byte
		wantErr string // substring of the error; "" = no error
		errIs   error
		calls   []call
		after   map[string]string // the Source's tokens afterwards; nil: unchanged
	}{
		// get, answered
		{
			name:   "get bearer with capability (git 2.46)",
			action: "get",
			stdin:  "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=mon.example\nwwwauth[]=Bearer realm=\"mon\"\n\n",
			want:   bearer1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get bearer, capability after other capabilities",
			action: "get",
			stdin:  "capability[]=state\ncapability[]=authtype\nprotocol=https\nhost=mon.example\n",
			want:   bearer1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get password without capability (git 2.39, no blank line)",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example\n",
			want:   password1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get password, no trailing newline",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example",
			want:   password1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get the port is part of the host",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example:8443\n",
			want:   "username=\npassword=tok-2\n",
			calls:  []call{{op: "token", protocol: "https", host: "mon.example:8443"}},
		},
		{
			name:   "get echoes a username git already has",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example\nusername=apikey\n",
			want:   "username=apikey\npassword=tok-1\n",
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get with only the state capability answers a password",
			action: "get",
			stdin:  "capability[]=state\nprotocol=https\nhost=mon.example\n",
			want:   password1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get capability cleared by an empty capability[] answers a password",
			action: "get",
			stdin:  "capability[]=authtype\ncapability[]=\nprotocol=https\nhost=mon.example\n",
			want:   password1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get path and unknown keys are not passed on",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example\npath=team/repo.git\nfuture_key=1\n",
			want:   password1,
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		// get, not served: nothing on stdout, no error
		{
			name:   "get other host",
			action: "get",
			stdin:  "protocol=https\nhost=other.example\n",
			calls:  []call{{op: "token", protocol: "https", host: "other.example"}},
		},
		{
			name:   "get explicit default port is another host",
			action: "get",
			stdin:  "capability[]=authtype\nprotocol=https\nhost=mon.example:443\n",
			calls:  []call{{op: "token", protocol: "https", host: "mon.example:443"}},
		},
		{
			name:   "get unserved port",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example:9000\n",
			calls:  []call{{op: "token", protocol: "https", host: "mon.example:9000"}},
		},
		{
			name:   "get http is not https",
			action: "get",
			stdin:  "protocol=http\nhost=mon.example\n",
			calls:  []call{{op: "token", protocol: "http", host: "mon.example"}},
		},
		{
			name:   "get ssh protocol",
			action: "get",
			stdin:  "protocol=ssh\nhost=mon.example\n",
			calls:  []call{{op: "token", protocol: "ssh", host: "mon.example"}},
		},
		{
			name:   "get subdomain",
			action: "get",
			stdin:  "protocol=https\nhost=eu.mon.example\n",
			calls:  []call{{op: "token", protocol: "https", host: "eu.mon.example"}},
		},
		{
			name:   "get host case is passed as sent",
			action: "get",
			stdin:  "protocol=https\nhost=MON.example\n",
			calls:  []call{{op: "token", protocol: "https", host: "MON.example"}},
		},
		{
			name:   "get source serves nothing",
			action: "get",
			stdin:  "protocol=https\nhost=mon.example\n",
			tokens: map[string]string{},
			calls:  []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:   "get without host asks no one",
			action: "get",
			stdin:  "protocol=https\n",
		},
		{
			name:   "get without protocol asks no one",
			action: "get",
			stdin:  "host=mon.example\n",
		},
		{
			name:   "get url key is not expanded",
			action: "get",
			stdin:  "url=https://mon.example\n",
		},
		// get, failing: nothing on stdout, an error
		{
			name:    "get source error",
			action:  "get",
			stdin:   "capability[]=authtype\nprotocol=https\nhost=mon.example\n",
			srcErr:  errBoom,
			wantErr: "https://mon.example",
			errIs:   errBoom,
			calls:   []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:    "get token with newline",
			action:  "get",
			stdin:   "protocol=https\nhost=mon.example\n",
			tokens:  map[string]string{"https://mon.example": "tok\nhost=evil.example"},
			wantErr: "newline",
			calls:   []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:    "get bearer token with newline",
			action:  "get",
			stdin:   "capability[]=authtype\nprotocol=https\nhost=mon.example\n",
			tokens:  map[string]string{"https://mon.example": "tok\n"},
			wantErr: "newline",
			calls:   []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:    "get token with NUL",
			action:  "get",
			stdin:   "protocol=https\nhost=mon.example\n",
			tokens:  map[string]string{"https://mon.example": "tok\x00"},
			wantErr: "NUL",
			calls:   []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:    "get token with CR",
			action:  "get",
			stdin:   "capability[]=authtype\nprotocol=https\nhost=mon.example\n",
			tokens:  map[string]string{"https://mon.example": "tok\r"},
			wantErr: "carriage return",
			calls:   []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:    "get empty token",
			action:  "get",
			stdin:   "protocol=https\nhost=mon.example\n",
			tokens:  map[string]string{"https://mon.example": ""},
			wantErr: "empty token",
			calls:   []call{{op: "token", protocol: "https", host: "mon.example"}},
		},
		{
			name:    "get CRLF request",
			action:  "get",
			stdin:   "protocol=https\r\nhost=mon.example\r\n",
			wantErr: "line 1: carriage return",
		},
		{
			name:    "get request with NUL",
			action:  "get",
			stdin:   "protocol=https\nhost=mon.example\x00\n",
			wantErr: "line 2: NUL",
		},
		{
			name:    "get quit",
			action:  "get",
			stdin:   "protocol=https\nhost=mon.example\nquit=1\n",
			wantErr: "quit",
			errIs:   ErrQuit,
		},
		// erase
		{
			name:   "erase matching password",
			action: "erase",
			stdin:  "protocol=https\nhost=mon.example\nusername=\npassword=tok-1\n",
			calls:  []call{{op: "forget", protocol: "https", host: "mon.example", rejected: "tok-1"}},
			after:  map[string]string{"https://mon.example:8443": "tok-2"},
		},
		{
			name:   "erase non-matching password keeps the token",
			action: "erase",
			stdin:  "protocol=https\nhost=mon.example\nusername=\npassword=stale\n",
			calls:  []call{{op: "forget", protocol: "https", host: "mon.example", rejected: "stale"}},
		},
		{
			name:   "erase with port",
			action: "erase",
			stdin:  "protocol=https\nhost=mon.example:8443\npassword=tok-2\n",
			calls:  []call{{op: "forget", protocol: "https", host: "mon.example:8443", rejected: "tok-2"}},
			after:  map[string]string{"https://mon.example": "tok-1"},
		},
		{
			name:   "erase bearer credential",
			action: "erase",
			stdin:  "capability[]=authtype\nauthtype=Bearer\ncredential=tok-1\nephemeral=1\nprotocol=https\nhost=mon.example\n",
			calls:  []call{{op: "forget", protocol: "https", host: "mon.example", rejected: "tok-1"}},
			after:  map[string]string{"https://mon.example:8443": "tok-2"},
		},
		{
			name:   "erase with authtype uses credential, not password",
			action: "erase",
			stdin:  "authtype=Bearer\ncredential=tok-1\nprotocol=https\nhost=mon.example\npassword=tok-2\n",
			calls:  []call{{op: "forget", protocol: "https", host: "mon.example", rejected: "tok-1"}},
			after:  map[string]string{"https://mon.example:8443": "tok-2"},
		},
		{
			name:   "erase with authtype and no credential forgets nothing",
			action: "erase",
			stdin:  "authtype=Bearer\nprotocol=https\nhost=mon.example\npassword=tok-1\n",
		},
		{
			name:   "erase without password forgets nothing",
			action: "erase",
			stdin:  "protocol=https\nhost=mon.example\nusername=\n",
		},
		{
			name:   "erase with empty password forgets nothing",
			action: "erase",
			stdin:  "protocol=https\nhost=mon.example\npassword=\n",
		},
		{
			name:   "erase without host forgets nothing",
			action: "erase",
			stdin:  "protocol=https\npassword=tok-1\n",
		},
		{
			name:   "erase unserved host is passed to the source",
			action: "erase",
			stdin:  "protocol=https\nhost=other.example\npassword=tok-1\n",
			calls:  []call{{op: "forget", protocol: "https", host: "other.example", rejected: "tok-1"}},
		},
		{
			name:    "erase source error",
			action:  "erase",
			stdin:   "protocol=https\nhost=mon.example\npassword=tok-1\n",
			srcErr:  errBoom,
			wantErr: "erase for https://mon.example",
			errIs:   errBoom,
			calls:   []call{{op: "forget", protocol: "https", host: "mon.example", rejected: "tok-1"}},
		},
		{
			name:    "erase bad request",
			action:  "erase",
			stdin:   "protocol=https\nhost=mon.example\npassword=tok-1\npassword=tok-1\n",
			wantErr: "line 4: repeated key \"password\"",
		},
		// store and unknown actions: read, ignore, succeed
		{
			name:   "store is a no-op",
			action: "store",
			stdin:  "capability[]=authtype\nauthtype=Bearer\ncredential=tok-9\nephemeral=1\nprotocol=https\nhost=mon.example\n",
		},
		{
			name:   "store with password is a no-op",
			action: "store",
			stdin:  "protocol=https\nhost=mon.example\nusername=\npassword=tok-9\n",
		},
		{
			name:   "store ignores a bad request",
			action: "store",
			stdin:  "protocol=https\r\n\x00\n",
		},
		{
			name:   "unknown action",
			action: "frobnicate",
			stdin:  "protocol=https\nhost=mon.example\n",
		},
		{
			name:   "actions are case-sensitive",
			action: "GET",
			stdin:  "protocol=https\nhost=mon.example\n",
		},
		{
			name:   "empty action",
			action: "",
			stdin:  "protocol=https\nhost=mon.example\n",
		},
		// capability
		{
			name:   "capability",
			action: "capability",
			want:   "version 0\ncapability authtype\n",
		},
		{
			name:   "capability ignores stdin",
			action: "capability",
			stdin:  "protocol=https\nhost=mon.example\n",
			want:   "version 0\ncapability authtype\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tokens := tt.tokens
			if tokens == nil {
				tokens = served
			}
			src := newSource(tokens)
			src.err = tt.srcErr
			var out bytes.Buffer
			err := Run(context.Background(), tt.action, strings.NewReader(tt.stdin), &out, src)

			if got := out.String(); got != tt.want {
				t.Errorf("stdout = %q, want %q", got, tt.want)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("no error, want one containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error = %v, want errors.Is(%v)", err, tt.errIs)
			}
			if err != nil {
				for _, tok := range []string{"tok-1", "tok-2", "tok-9", "evil"} {
					if strings.Contains(err.Error(), tok) {
						t.Errorf("error %q quotes the secret %q", err, tok)
					}
				}
			}
			calls, after := src.snapshot()
			if !reflect.DeepEqual(calls, tt.calls) {
				t.Errorf("source calls = %+v, want %+v", calls, tt.calls)
			}
			wantAfter := tt.after
			if wantAfter == nil {
				wantAfter = tokens
			}
			if !reflect.DeepEqual(after, wantAfter) {
				t.Errorf("source tokens afterwards = %q, want %q", after, wantAfter)
			}
		})
	}
}

// readSpy records whether anything read from it, and how much is left.
type readSpy struct {
	r    *strings.Reader
	read bool
}

func (s *readSpy) Read(p []byte) (int, error) {
	s.read = true
	return s.r.Read(p)
}

// store and unknown actions read the request, so git's write end never
// meets a closed pipe; capability reads nothing, so a caller that keeps
// stdin open does not hang.
func TestRunStdinUse(t *testing.T) {
	const request = "protocol=https\nhost=mon.example\nusername=\npassword=tok-9" // no blank line, no final newline
	for _, tt := range []struct {
		action   string
		wantRead bool
		wantLeft int
	}{
		{action: "store", wantRead: true, wantLeft: 0},
		{action: "frobnicate", wantRead: true, wantLeft: 0},
		{action: "erase", wantRead: true, wantLeft: 0},
		{action: "capability", wantRead: false, wantLeft: len(request)},
	} {
		t.Run(tt.action, func(t *testing.T) {
			spy := &readSpy{r: strings.NewReader(request)}
			if err := Run(context.Background(), tt.action, spy, io.Discard, newSource(nil)); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if spy.read != tt.wantRead || spy.r.Len() != tt.wantLeft {
				t.Errorf("stdin read = %v with %d bytes left, want read = %v with %d left", spy.read, spy.r.Len(), tt.wantRead, tt.wantLeft)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{ writes int }

func (w *failWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, errors.New("broken pipe")
}

// The answer goes out in one Write, and a failed write is an error.
func TestRunWriteFailure(t *testing.T) {
	for _, tt := range []struct{ action, stdin string }{
		{"get", "protocol=https\nhost=mon.example\n"},
		{"get", "capability[]=authtype\nprotocol=https\nhost=mon.example\n"},
		{"capability", ""},
	} {
		w := &failWriter{}
		err := Run(context.Background(), tt.action, strings.NewReader(tt.stdin), w, newSource(served))
		if err == nil || !strings.Contains(err.Error(), "broken pipe") {
			t.Errorf("%s %q: error = %v, want the write error", tt.action, tt.stdin, err)
		}
		if w.writes != 1 {
			t.Errorf("%s %q: %d writes, want 1", tt.action, tt.stdin, w.writes)
		}
	}
}

// Parallel helpers (git fetching from several remotes) share one Source.
func TestRunConcurrent(t *testing.T) {
	src := newSource(served)
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 8)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := "protocol=https\nhost=mon.example\n"
			if i%2 == 0 {
				in = "capability[]=authtype\n" + in
			}
			if err := Run(context.Background(), "get", strings.NewReader(in), &outs[i], src); err != nil {
				t.Errorf("Run %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i := range outs {
		want := password1
		if i%2 == 0 {
			want = bearer1
		}
		if got := outs[i].String(); got != want {
			t.Errorf("stdout %d = %q, want %q", i, got, want)
		}
	}
	if calls, _ := src.snapshot(); len(calls) != len(outs) {
		t.Errorf("%d source calls, want %d", len(calls), len(outs))
	}
}

func TestFormatAnswer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		req     Request
		token   string
		want    string
		wantErr bool
	}{
		{name: "bearer", req: Request{Capabilities: []string{"authtype"}}, token: "T", want: "capability[]=authtype\nauthtype=Bearer\ncredential=T\nephemeral=1\n"},
		{name: "bearer ignores username", req: Request{Username: "u", Capabilities: []string{"state", "authtype"}}, token: "T", want: "capability[]=authtype\nauthtype=Bearer\ncredential=T\nephemeral=1\n"},
		{name: "password", req: Request{}, token: "T", want: "username=\npassword=T\n"},
		{name: "password keeps username", req: Request{Username: "apikey"}, token: "T", want: "username=apikey\npassword=T\n"},
		{name: "token with = and spaces", req: Request{}, token: "a=b c", want: "username=\npassword=a=b c\n"},
		{name: "empty token", req: Request{}, token: "", wantErr: true},
		{name: "newline in token", req: Request{}, token: "T\nquit=1", wantErr: true},
		{name: "NUL in token", req: Request{Capabilities: []string{"authtype"}}, token: "T\x00", wantErr: true},
		{name: "CR in token", req: Request{}, token: "T\r", wantErr: true},
		// A username can only come from a parsed request, which refuses
		// these bytes; FormatAnswer checks it all the same.
		{name: "newline in username", req: Request{Username: "u\nhost=x"}, token: "T", wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := FormatAnswer(&out, tt.req, tt.token)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
			if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q quotes the token", err)
			}
		})
	}
}

func TestHasCapability(t *testing.T) {
	r := Request{Capabilities: []string{"state", "authtype"}}
	if !r.HasCapability("authtype") || !r.HasCapability("state") {
		t.Errorf("HasCapability misses a listed capability in %q", r.Capabilities)
	}
	for _, name := range []string{"", "Authtype", "auth", "authtype "} {
		if r.HasCapability(name) {
			t.Errorf("HasCapability(%q) = true for %q", name, r.Capabilities)
		}
	}
	if (Request{}).HasCapability("authtype") {
		t.Error("HasCapability true on an empty request")
	}
}

func TestParseRequest(t *testing.T) {
	long := func(n int) string { return "password=" + strings.Repeat("a", n-len("password=")) }
	tests := []struct {
		name     string
		in       string
		want     Request
		wantLine int    // >0: a *ParseError on this line
		reason   string // substring of its Reason
		errIs    error
	}{
		{name: "empty input", in: ""},
		{name: "blank line only", in: "\n"},
		{name: "git 2.39 request", in: "protocol=https\nhost=mon.example\n", want: Request{Protocol: "https", Host: "mon.example"}},
		{name: "no trailing newline", in: "protocol=https\nhost=mon.example", want: Request{Protocol: "https", Host: "mon.example"}},
		{
			name: "blank line ends the request, trailing data ignored",
			in:   "protocol=https\n\nhost=evil\x00\r\nno equals sign\n",
			want: Request{Protocol: "https"},
		},
		{
			name: "every field",
			in: "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=mon.example:8443\npath=a/b.git\n" +
				"username=u\npassword=p\nauthtype=Bearer\ncredential=c\nwwwauth[]=Bearer realm=\"x\"\nwwwauth[]=Basic realm=\"y\"\n\n",
			want: Request{
				Protocol: "https", Host: "mon.example:8443", Path: "a/b.git", Username: "u", Password: "p",
				Authtype: "Bearer", Credential: "c",
				Capabilities: []string{"authtype", "state"},
				WWWAuth:      []string{`Bearer realm="x"`, `Basic realm="y"`},
			},
		},
		{name: "value holds =", in: "password=a=b==\n", want: Request{Password: "a=b=="}},
		{name: "empty values", in: "protocol=\nhost=\nusername=\n", want: Request{}},
		{name: "spaces are kept", in: "username= u \n", want: Request{Username: " u "}},
		{name: "UTF-8 value", in: "username=zoë\n", want: Request{Username: "zoë"}},
		{
			name: "unknown keys ignored",
			in:   "future=1\nephemeral=1\nstate[]=a\nstate[]=b\npassword_expiry_utc=99\noauth_refresh_token=r\ncontinue=1\nurl=https://x.example\n=v\nHOST=x\nhost=mon.example\n",
			want: Request{Host: "mon.example"},
		},
		{name: "invalid UTF-8 in an unknown key", in: "\xff=1\nhost=h\n", want: Request{Host: "h"}},
		{name: "repeated capability[]", in: "capability[]=authtype\ncapability[]=authtype\ncapability[]=state\n", want: Request{Capabilities: []string{"authtype", "authtype", "state"}}},
		{name: "empty capability[] clears the list", in: "capability[]=authtype\ncapability[]=\ncapability[]=state\n", want: Request{Capabilities: []string{"state"}}},
		{name: "empty wwwauth[] clears the list", in: "wwwauth[]=a\nwwwauth[]=\n", want: Request{}},
		{name: "line of 65535 bytes", in: "host=h\n" + long(65535) + "\n", want: Request{Host: "h", Password: long(65535)[9:]}},
		{name: "line of 65535 bytes at EOF", in: "host=h\n" + long(65535), want: Request{Host: "h", Password: long(65535)[9:]}},
		{name: "quit=0 is not quit", in: "quit=0\nhost=h\n", want: Request{Host: "h"}},
		{name: "quit=false is not quit", in: "quit=false\nhost=h\n", want: Request{Host: "h"}},
		{name: "empty quit is not quit", in: "quit=\nhost=h\n", want: Request{Host: "h"}},
		{name: "quit=1", in: "host=h\nquit=1\n", want: Request{Host: "h"}, errIs: ErrQuit},
		{name: "quit=true", in: "quit=true\n", errIs: ErrQuit},
		{name: "quit=TRUE", in: "quit=TRUE\n", errIs: ErrQuit},
		{name: "quit=yes", in: "quit=yes\n", errIs: ErrQuit},
		{name: "quit=on", in: "quit=on\n", errIs: ErrQuit},
		{name: "quit=2", in: "quit=2\n", errIs: ErrQuit},
		{name: "quit stops before a bad line", in: "quit=1\n\x00\n", errIs: ErrQuit},
		// refused
		{name: "quit not a boolean", in: "host=h\nquit=maybe\n", wantLine: 2, reason: "quit is not a boolean"},
		{name: "CRLF", in: "protocol=https\r\nhost=h\r\n", wantLine: 1, reason: "carriage return"},
		{name: "CR inside a value", in: "host=h\npassword=a\rb\n", wantLine: 2, reason: "carriage return"},
		{name: "NUL in a value", in: "host=h\npassword=a\x00b\n", wantLine: 2, reason: "NUL"},
		{name: "NUL in a key", in: "ho\x00st=h\n", wantLine: 1, reason: "NUL"},
		{name: "NUL at EOF", in: "host=h\n\x00", wantLine: 2, reason: "NUL"},
		{name: "line without =", in: "host=h\nhunter2\n", wantLine: 2, reason: "no '='"},
		{name: "invalid UTF-8 in a value", in: "password=hunter2\xff\n", wantLine: 1, reason: "invalid UTF-8"},
		{name: "invalid UTF-8 in an unknown key's value", in: "x=\xc3\n", wantLine: 1, reason: "invalid UTF-8"},
		{name: "repeated host", in: "host=a\nprotocol=https\nhost=b\n", wantLine: 3, reason: `repeated key "host"`},
		{name: "repeated empty key", in: "=a\n=b\n", wantLine: 2, reason: "repeated a key"},
		{name: "repeated unknown key", in: "zz=a\nzz=a\n", wantLine: 2, reason: "repeated a key"},
		{name: "repeated quit=0", in: "quit=0\nquit=0\n", wantLine: 2, reason: `repeated key "quit"`},
		{name: "line of 65536 bytes", in: "host=h\n" + long(65536) + "\n", wantLine: 2, reason: "longer than 65535"},
		{name: "line of 65536 bytes at EOF", in: "host=h\n" + long(65536), wantLine: 2, reason: "longer than 65535"},
		{name: "blank-line terminator after a too-long line", in: long(70000) + "\n\n", wantLine: 1, reason: "longer than 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(strings.NewReader(tt.in))
			var pe *ParseError
			switch {
			case tt.wantLine > 0:
				if !errors.As(err, &pe) {
					t.Fatalf("error = %v, want a *ParseError", err)
				}
				if pe.Line != tt.wantLine || !strings.Contains(pe.Reason, tt.reason) {
					t.Errorf("ParseError = line %d %q, want line %d containing %q", pe.Line, pe.Reason, tt.wantLine, tt.reason)
				}
				if want := fmt.Sprintf("line %d: ", tt.wantLine); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
				if !reflect.DeepEqual(got, Request{}) {
					t.Errorf("request = %+v with an error, want the zero Request", got)
				}
				return
			case tt.errIs != nil:
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("error = %v, want %v", err, tt.errIs)
				}
			case err != nil:
				t.Fatalf("error = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("request = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// An error message never quotes a value: the values are secrets.
func TestParseErrorHidesValues(t *testing.T) {
	const secret = "hunter2"
	for _, in := range []string{
		"password=" + secret + "\r\n",
		"password=" + secret + "\x00\n",
		"password=" + secret + "\xff\n",
		"password=" + secret + "\npassword=" + secret + "\n",
		"credential=" + secret + "\ncredential=" + secret + "\n",
		secret + "\n",
		secret + "=1\n" + secret + "=1\n",
		"quit=" + secret + "\n",
		"password=" + secret + strings.Repeat("x", 70000) + "\n",
	} {
		_, err := ParseRequest(strings.NewReader(in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%.40q: error = %v, want a *ParseError", in, err)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%.40q: error %q quotes the value", in, err)
		}
	}
}

// wwwauthLines builds a request of exactly n bytes out of wwwauth[] lines.
func wwwauthLines(n int) string {
	var b strings.Builder
	const prefix = "wwwauth[]="
	for b.Len() < n {
		size := min(1000, n-b.Len())
		if rest := n - b.Len() - size; rest > 0 && rest < len(prefix)+2 {
			size -= len(prefix) + 2 // leave room for a last valid line
		}
		b.WriteString(prefix)
		b.WriteString(strings.Repeat("a", size-len(prefix)-1))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParseRequestSizeLimit(t *testing.T) {
	in := wwwauthLines(maxInput)
	if len(in) != maxInput {
		t.Fatalf("test input is %d bytes, want %d", len(in), maxInput)
	}
	req, err := ParseRequest(strings.NewReader(in))
	if err != nil {
		t.Fatalf("1 MiB request: %v", err)
	}
	if n := len(req.WWWAuth); n != strings.Count(in, "\n") {
		t.Errorf("got %d wwwauth[] values, want %d", n, strings.Count(in, "\n"))
	}

	in = wwwauthLines(maxInput) + "host=h" // one line over, no newline
	_, err = ParseRequest(strings.NewReader(in))
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "larger than 1 MiB") {
		t.Fatalf("1 MiB + 6 bytes: error = %v, want a *ParseError about the size", err)
	}
	if want := strings.Count(in, "\n") + 1; pe.Line != want {
		t.Errorf("error on line %d, want %d", pe.Line, want)
	}

	// A blank line within the limit ends the request whatever follows.
	in = "host=h\n\n" + wwwauthLines(2*maxInput)
	if req, err := ParseRequest(strings.NewReader(in)); err != nil || req.Host != "h" || req.WWWAuth != nil {
		t.Errorf("blank line then 2 MiB: %+v, %v; want host h and nothing else", req, err)
	}
}

// endless is an input that never ends, counting what was read from it.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	const line = "wwwauth[]=Negotiate\n"
	for i := range p {
		p[i] = line[(e.n+i)%len(line)]
	}
	e.n += len(p)
	return len(p), nil
}

func TestParseRequestEndlessInput(t *testing.T) {
	src := &endless{}
	_, err := ParseRequest(src)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "larger than 1 MiB") {
		t.Fatalf("error = %v, want a *ParseError about the size", err)
	}
	if src.n > maxInput+1 {
		t.Errorf("read %d bytes, want at most %d", src.n, maxInput+1)
	}
}

// encodeRequest writes req back in the protocol, through the same writer
// as the answers.
func encodeRequest(req Request) ([]byte, error) {
	var lines []string
	for _, kv := range []struct{ k, v string }{
		{"protocol", req.Protocol}, {"host", req.Host}, {"path", req.Path},
		{"username", req.Username}, {"password", req.Password},
		{"authtype", req.Authtype}, {"credential", req.Credential},
	} {
		if kv.v != "" {
			lines = append(lines, kv.k+"="+kv.v)
		}
	}
	for _, v := range req.Capabilities {
		lines = append(lines, "capability[]="+v)
	}
	for _, v := range req.WWWAuth {
		lines = append(lines, "wwwauth[]="+v)
	}
	var b bytes.Buffer
	err := writeLines(&b, lines)
	return b.Bytes(), err
}

func checkValue(t *testing.T, key, v string) {
	t.Helper()
	if strings.ContainsAny(v, "\n\r\x00") || !utf8.ValidString(v) {
		t.Errorf("parsed %s holds a forbidden byte: %q", key, v)
	}
}

// outcome is what a request comes to.
type outcome int

const (
	accepted outcome = iota
	quit
	refused
)

func (o outcome) String() string { return [...]string{"accepted", "quit", "refused"}[o] }

// referenceParse is a second, naive reading of the rules of ParseRequest
// (string splitting instead of a bufio.Reader), for differential fuzzing.
func referenceParse(data []byte) (Request, outcome) {
	var req Request
	seen := map[string]bool{}
	consumed := 0
	for s := string(data); s != ""; {
		line, rest, nl := strings.Cut(s, "\n")
		s = rest
		consumed += len(line)
		if nl {
			consumed++
		}
		if consumed > maxInput || len(line) > maxLine {
			return Request{}, refused
		}
		if line == "" {
			break
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.ContainsAny(line, "\r\x00") || !utf8.ValidString(value) {
			return Request{}, refused
		}
		if !strings.HasSuffix(key, "[]") {
			if seen[key] {
				return Request{}, refused
			}
			seen[key] = true
		}
		switch {
		case key == "protocol":
			req.Protocol = value
		case key == "host":
			req.Host = value
		case key == "path":
			req.Path = value
		case key == "username":
			req.Username = value
		case key == "password":
			req.Password = value
		case key == "authtype":
			req.Authtype = value
		case key == "credential":
			req.Credential = value
		case key == "capability[]" && value == "":
			req.Capabilities = nil
		case key == "capability[]":
			req.Capabilities = append(req.Capabilities, value)
		case key == "wwwauth[]" && value == "":
			req.WWWAuth = nil
		case key == "wwwauth[]":
			req.WWWAuth = append(req.WWWAuth, value)
		case key == "quit":
			switch strings.ToLower(value) {
			case "", "0", "false", "no", "off":
			case "true", "yes", "on":
				return req, quit
			default:
				n, err := strconv.ParseInt(value, 10, 32)
				if err != nil {
					return Request{}, refused
				}
				if n != 0 {
					return req, quit
				}
			}
		}
	}
	return req, accepted
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"",
		"\n",
		"protocol=https\nhost=mon.example\n",
		"capability[]=authtype\nprotocol=https\nhost=mon.example:8443\n\n",
		"capability[]=authtype\ncapability[]=\ncapability[]=state\n",
		"password=a=b\nusername=\n",
		"protocol=https\r\n",
		"host=h\nhost=h\n",
		"quit=1\n",
		"quit=maybe\n",
		"=\n==\n",
		"x=\xff\n",
		"host=h\n\nhost=\x00\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseRequest(bytes.NewReader(data))
		wantReq, want := referenceParse(data)
		var pe *ParseError
		switch {
		case err == nil:
			if want != accepted {
				t.Fatalf("accepted %+v; the reference says %v", req, want)
			}
		case errors.Is(err, ErrQuit):
			if want != quit {
				t.Fatalf("quit; the reference says %v", want)
			}
		case errors.As(err, &pe):
			if want != refused {
				t.Fatalf("refused (%v); the reference says %v with %+v", err, want, wantReq)
			}
			if pe.Line < 1 || pe.Reason == "" {
				t.Fatalf("ParseError without line or reason: %+v", pe)
			}
		default:
			t.Fatalf("error of type %T: %v", err, err)
		}
		if !reflect.DeepEqual(req, wantReq) {
			t.Fatalf("request = %+v, the reference says %+v", req, wantReq)
		}
		if err != nil {
			return
		}
		for _, kv := range []struct{ k, v string }{
			{"protocol", req.Protocol}, {"host", req.Host}, {"path", req.Path},
			{"username", req.Username}, {"password", req.Password},
			{"authtype", req.Authtype}, {"credential", req.Credential},
		} {
			checkValue(t, kv.k, kv.v)
		}
		for _, list := range [][]string{req.Capabilities, req.WWWAuth} {
			if list != nil && len(list) == 0 {
				t.Errorf("empty non-nil list in %+v", req)
			}
			for _, v := range list {
				if v == "" {
					t.Errorf("empty list value in %+v", req)
				}
				checkValue(t, "list value", v)
			}
		}
		enc, err := encodeRequest(req)
		if err != nil {
			t.Fatalf("encoding %+v: %v", req, err)
		}
		if len(enc) > len(data)+1 { // +1: a final line may have had no "\n"
			t.Errorf("encoded request (%d bytes) longer than the input (%d)", len(enc), len(data))
		}
		again, err := ParseRequest(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("parsing the re-encoded %q: %v", enc, err)
		}
		if !reflect.DeepEqual(again, req) {
			t.Fatalf("round trip changed the request:\n got %+v\nwant %+v", again, req)
		}
	})
}

// FuzzRunGet: whatever git sends, get writes exactly the answer the
// reference parse calls for, and nothing at all with an error.
func FuzzRunGet(f *testing.F) {
	f.Add([]byte("protocol=https\nhost=mon.example\n"), false)
	f.Add([]byte("capability[]=authtype\nprotocol=https\nhost=mon.example\n"), false)
	f.Add([]byte("username=apikey\nprotocol=https\nhost=mon.example\n\n"), false)
	f.Add([]byte("protocol=https\nhost=mon.example\n"), true)
	f.Add([]byte("protocol=https\nhost=mon.example\r\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, fail bool) {
		var out bytes.Buffer
		err := Run(context.Background(), "get", bytes.NewReader(data), &out, &anySource{fail: fail})
		req, res := referenceParse(data)
		want, wantErr := "", res != accepted
		switch {
		case wantErr || req.Protocol == "" || req.Host == "":
		case fail:
			wantErr = true
		case req.HasCapability("authtype"):
			want = "capability[]=authtype\nauthtype=Bearer\ncredential=T\nephemeral=1\n"
		default:
			want = "username=" + req.Username + "\npassword=T\n"
		}
		if got := out.String(); got != want || (err != nil) != wantErr {
			t.Fatalf("wrote %q with error %v; want %q with error %v", got, err, want, wantErr)
		}
	})
}

// anySource serves every host with the token "T", or fails.
type anySource struct{ fail bool }

func (s *anySource) Token(context.Context, string, string) (string, bool, error) {
	if s.fail {
		return "", false, errBoom
	}
	return "T", true, nil
}

func (s *anySource) Forget(context.Context, string, string, string) error { return nil }
