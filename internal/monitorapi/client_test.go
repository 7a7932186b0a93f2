package monitorapi

import (
	"context"
	"errors"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// answer is one literal server reply.
type answer struct {
	status     int
	body       string
	retryAfter string
}

// script serves the answers in order (the last one repeats) and records what
// it received.
type script struct {
	mu       sync.Mutex
	answers  []answer
	requests []*http.Request
	forms    []url.Values
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	s.requests = append(s.requests, r.Clone(context.Background()))
	s.forms = append(s.forms, form)
	a := s.answers[min(len(s.requests), len(s.answers))-1]
	s.mu.Unlock()
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func newTestClient(t *testing.T, answers ...answer) (*Client, *script, string) {
	t.Helper()
	s := &script{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := New("monitor-token/test")
	c.Grants = sdkgrant.Grants{}
	c.HTTP = srv.Client()
	c.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return c, s, srv.URL
}

const iamOK = `{"access_token":"eyJhbGciOi.iam.token","refresh_token":"not_supported","token_type":"Bearer","expires_in":1200,"expiration":1731951986,"scope":"ibm openid"}`

func TestExchangeAPIKeyRequestOnTheWire(t *testing.T) {
	c, s, base := newTestClient(t, answer{200, iamOK, ""})
	fixed := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return fixed }
	tok, err := c.ExchangeAPIKey(context.Background(), base, "key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "eyJhbGciOi.iam.token" || tok.ExpiresIn != 1200 || !tok.ReceivedAt.Equal(fixed) {
		t.Errorf("token = %+v", tok)
	}
	if len(s.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(s.requests))
	}
	r, form := s.requests[0], s.forms[0]
	if r.Method != "POST" || r.URL.Path != "/identity/token" {
		t.Errorf("request %s %s, want POST /identity/token", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}
	if r.Header.Get("Authorization") != "" {
		t.Errorf("unexpected Authorization header on the apikey grant")
	}
	want := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {"key-0123456789"}, "response_type": {"cloud_iam"}}
	if form.Encode() != want.Encode() {
		t.Errorf("form = %s, want %s", form.Encode(), want.Encode())
	}
}

func TestMonitorTokenRequestOnTheWire(t *testing.T) {
	tests := []struct {
		name    string
		cred    Credentials
		headers map[string]string
	}{
		{"IAM with team", Credentials{Bearer: "iam-tok", InstanceID: "guid-1", TeamID: "42"},
			map[string]string{"Authorization": "Bearer iam-tok", "IBMInstanceID": "guid-1", "SysdigTeamID": "42", "TeamID": ""}},
		{"IAM default team", Credentials{Bearer: "iam-tok", InstanceID: "guid-1"},
			map[string]string{"Authorization": "Bearer iam-tok", "IBMInstanceID": "guid-1", "SysdigTeamID": ""}},
		{"Monitor token check", Credentials{Bearer: "mon-tok"},
			map[string]string{"Authorization": "Bearer mon-tok", "IBMInstanceID": "", "SysdigTeamID": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s, base := newTestClient(t, answer{200, `{"token":{"key":" abc-123 "}}`, ""})
			got, err := c.MonitorToken(context.Background(), base, tt.cred)
			if err != nil || got != "abc-123" {
				t.Fatalf("MonitorToken = %q, %v", got, err)
			}
			r := s.requests[0]
			if r.Method != "GET" || r.URL.Path != "/api/token" || r.Header.Get("Accept") != "application/json" {
				t.Errorf("request %s %s Accept=%q", r.Method, r.URL.Path, r.Header.Get("Accept"))
			}
			for h, v := range tt.headers {
				if got := r.Header.Get(h); got != v {
					t.Errorf("header %s = %q, want %q", h, got, v)
				}
			}
		})
	}
}

func TestErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name    string
		iam     bool
		answers []answer
		kind    error
		tries   int
		message string // a part of Error() that must be there
	}{
		{"bad key 400", true, []answer{{400, `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.","context":{"requestId":"r"}}`, ""}},
			ErrInvalidAPIKey, 1, "HTTP 400 BXNIM0415E (Provided API key could not be found.)"},
		{"bad key 401", true, []answer{{401, `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}`, ""}},
			ErrInvalidAPIKey, 1, "ibmcloud iam api-key-create"},
		{"IAM other 400", true, []answer{{400, `{"errorCode":"BXNIM0109E","errorMessage":"Property missing"}`, ""}},
			ErrIAMRejected, 1, "BXNIM0109E"},
		{"IAM 200 not JSON", true, []answer{{200, `<html>`, ""}}, ErrBadResponse, 1, "no access_token"},
		{"IAM 503 then 503 then 503", true, []answer{{503, `oops`, ""}}, ErrServer, 3, "after 3 tries"},
		{"IAM 429 then OK", true, []answer{{429, `{}`, "1"}, {200, iamOK, ""}}, nil, 2, ""},
		{"IAM_ONLY 403", false, []answer{{403, `{"errors":[{"reason":"Not enough privileges to complete the action","message":"Access is denied"}]}`, ""}},
			ErrIAMOnly, 1, "IAM_ONLY"},
		{"IAM_ONLY 401", false, []answer{{401, `{"errors":[{"reason":"Not enough privileges to complete the action","message":"Access is denied"}]}`, ""}},
			ErrIAMOnly, 1, "IAM_ONLY"},
		{"refused 401", false, []answer{{401, `{"message":"Unauthorized"}`, ""}}, ErrRefused, 1, "(Unauthorized)"},
		{"not found", false, []answer{{404, `{"message":"not found"}`, ""}}, ErrNotFound, 1, "--instance"},
		{"rate limited", false, []answer{{429, `{"message":"slow down"}`, "7"}}, ErrRateLimited, 2, "wait 7s"},
		{"server", false, []answer{{500, ``, ""}}, ErrServer, 3, "HTTP 500"},
		{"empty 200", false, []answer{{200, ``, ""}}, ErrBadResponse, 1, "empty"},
		{"not JSON 200", false, []answer{{200, `Unauthorized`, ""}}, ErrBadResponse, 1, "not the expected JSON"},
		{"no key", false, []answer{{200, `{"token":{}}`, ""}}, ErrBadResponse, 1, `no "token.key"`},
		{"5xx then OK", false, []answer{{502, `bad gateway`, ""}, {200, `{"token":{"key":"k"}}`, ""}}, nil, 2, ""},
		{"400 not retried", false, []answer{{400, `{"message":"bad"}`, ""}, {200, `{"token":{"key":"k"}}`, ""}}, ErrBadResponse, 1, "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s, base := newTestClient(t, tt.answers...)
			var err error
			if tt.iam {
				_, err = c.ExchangeAPIKey(context.Background(), base, "secret-api-key")
			} else {
				_, err = c.MonitorToken(context.Background(), base, Credentials{Bearer: "secret-bearer", InstanceID: "g"})
			}
			if len(s.requests) != tt.tries {
				t.Errorf("%d requests, want %d", len(s.requests), tt.tries)
			}
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.message) || strings.Contains(msg, "\n") {
				t.Errorf("message %q does not contain %q on one line", msg, tt.message)
			}
			if strings.Contains(msg, "secret-") {
				t.Errorf("message leaks a secret: %q", msg)
			}
		})
	}
}

func TestRetryAfterBeyondBudgetStops(t *testing.T) {
	c, s, base := newTestClient(t, answer{429, `{}`, "3600"})
	_, err := c.MonitorToken(context.Background(), base, Credentials{Bearer: "b"})
	if !errors.Is(err, ErrRateLimited) || len(s.requests) != 1 {
		t.Fatalf("err = %v after %d requests; want ErrRateLimited after 1", err, len(s.requests))
	}
	if !strings.Contains(err.Error(), "wait 1h0m0s") {
		t.Errorf("message %q does not say how long to wait", err)
	}
}

func TestNetworkFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there now
	c := New("t")
	c.Grants = sdkgrant.Grants{}
	c.sleep = func(ctx context.Context, d time.Duration) error { return nil }
	for _, call := range []func() error{
		func() error { _, err := c.ExchangeAPIKey(context.Background(), base, "secret-api-key"); return err },
		func() error {
			_, err := c.MonitorToken(context.Background(), base, Credentials{Bearer: "x"})
			return err
		},
	} {
		err := call()
		if !errors.Is(err, ErrNetwork) {
			t.Fatalf("err = %v, want ErrNetwork", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "connection refused") || strings.Contains(msg, "secret-") {
			t.Errorf("message %q", msg)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	c, _, base := newTestClient(t, answer{200, `{"token":{"key":"` + strings.Repeat("a", MaxBodyBytes) + `"}}`, ""})
	_, err := c.MonitorToken(context.Background(), base, Credentials{Bearer: "b"})
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
}

func TestCancelStopsWaiting(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := New("t")
	c.Grants = sdkgrant.Grants{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.MonitorToken(ctx, srv.URL, Credentials{Bearer: "b"})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// A refusal of a grant without an API key is not blamed on an API key: the
// VPC metadata service's 401 and IAM's refusal of a compute-resource token
// each get the hint of their own credential.
func TestRefusalsNameTheCredentialUsed(t *testing.T) {
	const identity = `{"access_token":"id-token-0123456789","created_at":"2026-11-29T08:00:00Z","expires_at":"2026-11-29T08:05:00Z","expires_in":300}`
	const vpc401 = `{"errors":[{"code":"not_authorized","message":"The trusted profile does not trust this instance."}],"status_code":401,"trace":"t"}`
	crFile := t.TempDir() + "/cr-token"
	if err := os.WriteFile(crFile, []byte("eyJhbGciOi.cr.token"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		answers  []answer
		exchange func(c *Client, base string) error
		want     string
	}{
		{"VPC 401", []answer{{200, identity, ""}, {401, vpc401, ""}}, func(c *Client, base string) error {
			_, err := c.ExchangeVPCIdentity(context.Background(), base, "Profile-1")
			return err
		}, "HTTP 401 (The trusted profile does not trust this instance.); check the trusted profile (--trusted-profile, or the one linked to the instance) and that it trusts this instance"},
		{"CR token 401", []answer{{401, `{"errorMessage":"not trusted"}`, ""}}, func(c *Client, base string) error {
			_, err := c.ExchangeCRToken(context.Background(), base, crFile, "reader")
			return err
		}, "HTTP 401 (not trusted); check the trusted profile (--trusted-profile) and that its trust policy admits this compute resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, base := newTestClient(t, tt.answers...)
			err := tt.exchange(c, base)
			if errors.Is(err, ErrInvalidAPIKey) || err == nil || strings.Contains(err.Error(), "api-key") || strings.Contains(err.Error(), "API key") {
				t.Fatalf("err = %v: a refusal without an API key blamed on one", err)
			}
			if !errors.Is(err, ErrIAMRejected) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to say %q", err, tt.want)
			}
		})
	}
}
