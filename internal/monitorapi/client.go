// Package monitorapi speaks to IBM Cloud IAM and the IBM Cloud Monitoring
// REST API: an API key for an IAM token, an IAM token (or a Monitor API
// token) for the team's Monitor API token, and the instance's teams. The wire
// facts are in docs/protocol.md. It stores nothing; the one thing a client
// keeps between calls is the set of secrets it has handled, so that no
// later message or --debug line shows one.
package monitorapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// Client makes the calls. The zero value is not usable: build it with New.
type Client struct {
	HTTP      *http.Client
	UserAgent string
	Retry     RetryPolicy
	// Now is the clock used to stamp IAM tokens at receipt; tests fix it.
	Now func() time.Time
	// sleep waits between retries; tests replace it to run without waiting.
	sleep func(context.Context, time.Duration) error
	// Debug, when set, receives one line per request and per response,
	// with every secret redacted (--debug).
	Debug func(line string)
	// Grants make the IAM token requests (internal/sdkgrant in the
	// binary). Without them only the Monitoring calls work.
	Grants Grants
	// Secrets collects every secret the client sends or receives (the API
	// key, bearers, every token in a request or an answer) and is removed
	// from every message and debug line it makes. The program shares its
	// run's set here, so that its own messages hide them too. nil keeps
	// nothing between calls: each call then redacts only what it handled.
	Secrets *redact.Set
}

// New returns a client with the production HTTP settings and retry policy,
// proxies from the process environment, and a secret set of its own.
func New(userAgent string) *Client {
	return &Client{
		HTTP:      NewHTTPClient(nil),
		UserAgent: userAgent,
		Retry:     DefaultRetryPolicy,
		Now:       time.Now,
		sleep:     sleepContext,
		Secrets:   new(redact.Set),
	}
}

// IAMToken is an IAM access token and when it stops being usable.
type IAMToken struct {
	AccessToken string
	// ExpiresIn is the lifetime IAM granted, in seconds. Account admins can
	// shorten it, so it is read from every answer (docs/protocol.md, "IAM
	// API-key grant").
	ExpiresIn int64
	// ReceivedAt is the local clock at receipt; expiry is computed from it and
	// ExpiresIn, not from IAM's absolute "expiration", so a skewed local
	// clock does not keep a dead token.
	ReceivedAt time.Time
}

// Credentials authenticate a Monitoring call: an IAM token together with the
// instance (and team), or a Monitor API token on its own.
type Credentials struct {
	Bearer     string
	InstanceID string // IBMInstanceID; only with an IAM token
	TeamID     string // SysdigTeamID; "" means the user's default team
}

// SetHeaders puts c into h (docs/protocol.md, "Using the Monitor token" and
// "IAM_ONLY instances"): the bearer always; the instance when set (an IAM
// token), and the team when set, as SysdigTeamID, not its older name
// TeamID (docs/protocol.md, "Monitor API token"); without it the service
// uses the user's default team.
func (c Credentials) SetHeaders(h http.Header) {
	h.Set("Authorization", "Bearer "+c.Bearer)
	if c.InstanceID != "" {
		h.Set("IBMInstanceID", c.InstanceID)
	}
	if c.TeamID != "" {
		h.Set("SysdigTeamID", c.TeamID)
	}
}

// Team is one entry of GET /api/teams.
type Team struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

// call starts one logical call: a client bound to ctx, with retries and a
// body limit, and the transport that remembers what went wrong. Under the
// retries, the debug log (when on), and under it secretTransport, which
// registers every credential going out or coming in before anyone can
// show it: callTransport -> debugTransport -> secretTransport -> HTTP.
func (c *Client) call(ctx context.Context) (*http.Client, *callTransport) {
	secrets := c.Secrets
	if secrets == nil {
		secrets = new(redact.Set) // this call's secrets only
	}
	base := c.HTTP.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	base = &secretTransport{base: base, secrets: secrets}
	if c.Debug != nil {
		base = &debugTransport{base: base, log: c.Debug, now: c.now, secrets: secrets}
	}
	sleep := c.sleep
	if sleep == nil {
		sleep = sleepContext
	}
	policy := c.Retry
	if policy.Attempts < 1 {
		policy.Attempts = 1
	}
	t := &callTransport{ctx: ctx, base: base, policy: policy, sleep: sleep, secrets: secrets}
	return &http.Client{Transport: t, Timeout: c.HTTP.Timeout, CheckRedirect: noRedirect}, t
}

// noRedirect: neither service redirects these calls, and following a
// redirect would carry the bearer token or the API key to another address.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ExchangeAPIKey trades an API key for an IAM access token: one POST
// {iam}/identity/token (docs/protocol.md, "IAM API-key grant").
func (c *Client) ExchangeAPIKey(ctx context.Context, iamURL, apiKey string) (IAMToken, error) {
	const op = "exchange the API key for an IAM token"
	httpClient, tr := c.call(ctx)
	tr.secrets.Add(apiKey)
	grants, err := c.grants(op, iamURL)
	if err != nil {
		return IAMToken{}, err
	}
	req, err := grants.APIKey(iamURL, apiKey, httpClient)
	if err != nil {
		return IAMToken{}, tr.fail(&Error{Op: op, URL: iamURL, Kind: ErrInvalidAPIKey, Err: sdkError(tr.secrets, err), grant: grantAPIKey})
	}
	return c.requestToken(ctx, op, iamURL, grantAPIKey, req, tr)
}

// TrustedProfile names a trusted profile by name or by ID. IDs start with
// "Profile-" (IAM's format), which is how a flag value is told apart.
type TrustedProfile string

func (p TrustedProfile) isID() bool { return strings.HasPrefix(string(p), "Profile-") }

// ExchangeCRToken trades a compute-resource token (a projected Kubernetes
// service-account token, Code Engine's token) for an IAM token of a trusted
// profile (the cr-token grant, docs/protocol.md, "Trusted profiles").
// crTokenFile "" means go-sdk-core's default paths.
func (c *Client) ExchangeCRToken(ctx context.Context, iamURL, crTokenFile string, profile TrustedProfile) (IAMToken, error) {
	const op = "exchange the compute-resource token for an IAM token"
	httpClient, tr := c.call(ctx)
	grants, err := c.grants(op, iamURL)
	if err != nil {
		return IAMToken{}, err
	}
	id, name := "", string(profile)
	if profile.isID() {
		id, name = name, ""
	}
	req, err := grants.ComputeResource(iamURL, crTokenFile, id, name, httpClient)
	if err != nil {
		return IAMToken{}, tr.fail(&Error{Op: op, URL: iamURL, Kind: ErrIAMRejected, Err: sdkError(tr.secrets, err), grant: grantCRToken})
	}
	return c.requestToken(ctx, op, iamURL, grantCRToken, req, tr)
}

// ExchangeVPCIdentity gets an IAM token from a VSI's instance identity
// through the VPC metadata service (two calls to it). profile "" means the
// trusted profile linked to the instance.
func (c *Client) ExchangeVPCIdentity(ctx context.Context, metadataURL string, profile TrustedProfile) (IAMToken, error) {
	const op = "get an IAM token from the VPC instance identity"
	httpClient, tr := c.call(ctx)
	grants, err := c.grants(op, metadataURL)
	if err != nil {
		return IAMToken{}, err
	}
	var id, crn, name string
	switch p := string(profile); {
	case profile.isID():
		id = p
	case strings.HasPrefix(p, "crn:"):
		crn = p
	default:
		name = p
	}
	req, err := grants.VPCInstance(metadataURL, id, crn, name, httpClient)
	if err != nil {
		return IAMToken{}, tr.fail(&Error{Op: op, URL: metadataURL, Kind: ErrIAMRejected, Err: sdkError(tr.secrets, err), grant: grantVPC})
	}
	return c.requestToken(ctx, op, metadataURL, grantVPC, req, tr)
}

// sdkError keeps the words of an error of go-sdk-core, cleaned: its text
// can be anything, so it never enters an Error whole.
func sdkError(secrets *redact.Set, err error) error {
	return errors.New(clean(secrets, err.Error(), maxMessage))
}

func (c *Client) grants(op, url string) (Grants, error) {
	if c.Grants == nil {
		return nil, &Error{Op: op, URL: url, Kind: ErrNetwork, Err: errors.New("this build has no IAM token grants (monitorapi.Client.Grants is not set)")}
	}
	return c.Grants, nil
}

// maxExpiresIn caps a token lifetime: a day, in seconds.
const maxExpiresIn = 86400

// maxTokenLen bounds a token; IAM tokens are about 1-2 KB.
const maxTokenLen = 8192

// ValidToken says whether s can be a bearer token: non-empty printable
// ASCII without spaces (RFC 6750's b64token and more), at most maxTokenLen
// bytes. Anything else would break the Authorization header, or put escape
// sequences on a terminal when printed (found by the fuzz targets). It is
// the one validator for tokens from any source: IAM's and Monitoring's
// answers here, and whatever other packages read from a keyring, a file,
// the environment or another program's session.
func ValidToken(s string) bool {
	if s == "" || len(s) > maxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// safeRequestToken runs a token request and turns a panic into an error:
// go-sdk-core's VpcInstanceAuthenticator dereferences the fields of a 2xx
// answer without checking them, so a broken metadata service (an answer of
// {}) would otherwise crash the program (found against the emulator).
func safeRequestToken(req TokenRequest) (token string, expiresIn int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			token, expiresIn, err = "", 0, errors.New("the answer is missing fields the token exchange needs")
		}
	}()
	return req()
}

// requestToken runs one grant's token request and classifies the outcome
// the same way for every grant.
func (c *Client) requestToken(ctx context.Context, op, url string, g grant, req TokenRequest, tr *callTransport) (IAMToken, error) {
	token, expiresIn, err := safeRequestToken(req)
	transportErr, tries := tr.transportErr()
	if ctx.Err() != nil {
		return IAMToken{}, ctx.Err()
	}
	tr.secrets.Add(token)
	if err != nil {
		var problem HTTPProblem
		if errors.As(err, &problem) {
			return IAMToken{}, iamError(op, url, g, problem, tries, tr.secrets)
		}
		if transportErr == nil {
			transportErr = sdkError(tr.secrets, err)
		}
		return IAMToken{}, tr.fail(networkError(op, url, transportErr, tries))
	}
	if token == "" {
		// go-sdk-core ignores a body that does not decode, so an empty
		// token is how a 200 with a non-JSON or empty body shows up.
		return IAMToken{}, tr.fail(&Error{Op: op, URL: url, Status: tr.status(), Kind: ErrBadResponse,
			Err: errors.New("the answer has no access_token")})
	}
	if !ValidToken(token) {
		return IAMToken{}, tr.fail(&Error{Op: op, URL: url, Status: tr.status(), Kind: ErrBadResponse,
			Err: errors.New("the access_token has characters a token cannot have")})
	}
	if expiresIn <= 0 {
		return IAMToken{}, tr.fail(&Error{Op: op, URL: url, Status: tr.status(), Kind: ErrBadResponse,
			Err: errors.New("the answer has no positive expires_in")})
	}
	// IAM grants an hour at most (docs/protocol.md, "IAM API-key grant"); a
	// larger number is taken as a day, the longest any cache will keep it.
	return IAMToken{AccessToken: token, ExpiresIn: min(expiresIn, maxExpiresIn), ReceivedAt: c.now()}, nil
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// iamError classifies a non-2xx answer to a token grant. Only the API-key
// grant has an API key to blame: a refusal of the others (a 401 from the
// VPC metadata service, IAM's refusal of a compute-resource token) is
// ErrIAMRejected, and its hint names the credential that was used.
func iamError(op, url string, g grant, resp HTTPProblem, tries int, secrets *redact.Set) *Error {
	status := resp.StatusCode()
	e := &Error{Op: op, URL: url, Status: status, Tries: tries, secrets: secrets, grant: g}
	e.Code, e.Message, _ = parseErrorBody(secrets, resp.Body())
	e.RetryAfter, _ = parseRetryAfter(resp.Header().Get("Retry-After"), time.Now())
	switch {
	// BXNIM0415E comes with 400, and some clients see 401
	// (docs/protocol.md, "IAM errors").
	case e.Code == "BXNIM0415E" && g == grantAPIKey:
		e.Kind = ErrInvalidAPIKey
	// BXNIM0407E (invalid token) and BXNIM0408E (expired refresh token) are the codes the
	// plugin SDK's IAM client turns into "log in again" (docs/integrations.md, "ibmcloud
	// session refresh").
	case (e.Code == "BXNIM0407E" || e.Code == "BXNIM0408E") && g == grantRefresh:
		e.Kind = ErrSessionEnded
	case status == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
	case status >= 500:
		e.Kind = ErrServer
	case status == http.StatusUnauthorized && e.Code == "" && g == grantAPIKey:
		e.Kind = ErrInvalidAPIKey
	default:
		e.Kind = ErrIAMRejected
	}
	return e
}

func networkError(op, base string, err error, tries int) *Error {
	if ce, ok := asCertificateError(err, hostOf(base)); ok {
		return &Error{Op: op, URL: base, Kind: ErrCertificate, Err: ce, Tries: tries}
	}
	return &Error{Op: op, URL: base, Kind: ErrNetwork, Err: err, Tries: tries}
}

// hostOf is the host of a base URL, without the port, as certificates
// name it.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return base
	}
	return u.Hostname()
}

// MonitorToken reads the team's Monitor API token: GET {endpoint}/api/token.
// With an IAM token it sends IBMInstanceID and, when set, SysdigTeamID; with
// a Monitor API token as bearer it sends neither and so checks that token
// (docs/protocol.md, "Monitor token as bearer").
func (c *Client) MonitorToken(ctx context.Context, endpoint string, cred Credentials) (string, error) {
	const op = "fetch the Monitor API token"
	var doc struct {
		Token *struct {
			Key string `json:"key"`
		} `json:"token"`
	}
	status, err := c.getJSON(ctx, op, endpoint, "/api/token", cred, &doc)
	if err != nil {
		return "", err
	}
	if doc.Token == nil || strings.TrimSpace(doc.Token.Key) == "" {
		return "", &Error{Op: op, URL: endpoint, Status: status, Kind: ErrBadResponse,
			Err: errors.New(`the answer has no "token.key"`), secrets: c.Secrets}
	}
	key := strings.TrimSpace(doc.Token.Key)
	c.Secrets.Add(key)
	if !ValidToken(key) {
		return "", &Error{Op: op, URL: endpoint, Status: status, Kind: ErrBadResponse,
			Err: errors.New(`"token.key" has characters a token cannot have`), secrets: c.Secrets}
	}
	return key, nil
}

// Teams lists the instance's teams: GET {endpoint}/api/teams with the IAM
// headers and no team header.
func (c *Client) Teams(ctx context.Context, endpoint string, cred Credentials) ([]Team, error) {
	cred.TeamID = ""
	var doc struct {
		Teams *[]Team `json:"teams"`
	}
	const op = "list the teams"
	status, err := c.getJSON(ctx, op, endpoint, "/api/teams", cred, &doc)
	if err != nil {
		return nil, err
	}
	if doc.Teams == nil {
		return nil, &Error{Op: op, URL: endpoint, Status: status, Kind: ErrBadResponse,
			Err: errors.New(`the answer has no "teams" list`)}
	}
	return *doc.Teams, nil
}

// User is GET /api/users/me's "user".
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	CurrentTeam int64  `json:"currentTeam"`
}

// CurrentUser reads GET {endpoint}/api/users/me. With an IAM token and the
// instance (and team) headers, it is the check that an IAM_ONLY instance
// accepts this credential, since such an instance has no /api/token to
// fetch (docs/protocol.md, "IAM_ONLY instances").
func (c *Client) CurrentUser(ctx context.Context, endpoint string, cred Credentials) (User, error) {
	const op = "check access to the instance"
	var doc struct {
		User *User `json:"user"`
	}
	status, err := c.getJSON(ctx, op, endpoint, "/api/users/me", cred, &doc)
	if err != nil {
		return User{}, err
	}
	if doc.User == nil {
		return User{}, &Error{Op: op, URL: endpoint, Status: status, Kind: ErrBadResponse,
			Err: errors.New(`the answer has no "user"`)}
	}
	return *doc.User, nil
}

// getJSON does one authenticated GET and decodes a 2xx JSON answer into out.
func (c *Client) getJSON(ctx context.Context, op, endpoint, path string, cred Credentials, out any) (int, error) {
	httpClient, tr := c.call(ctx)
	tr.secrets.Add(cred.Bearer)
	req, err := http.NewRequest(http.MethodGet, endpoint+path, nil)
	if err != nil {
		return 0, tr.fail(&Error{Op: op, URL: endpoint, Kind: ErrBadResponse, Err: err})
	}
	cred.SetHeaders(req.Header)
	req.Header.Set("Accept", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := httpClient.Do(req)
	_, tries := tr.transportErr()
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err != nil {
		return 0, tr.fail(networkError(op, endpoint, unwrapURLError(err), tries))
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, monitoringError(op, endpoint, resp, body, tries, tr.secrets)
	}
	if readErr != nil {
		return resp.StatusCode, tr.fail(&Error{Op: op, URL: endpoint, Status: resp.StatusCode, Kind: ErrBadResponse, Err: readErr, Tries: tries})
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return resp.StatusCode, tr.fail(&Error{Op: op, URL: endpoint, Status: resp.StatusCode, Kind: ErrBadResponse,
			Err: errors.New("the answer is empty"), Tries: tries})
	}
	if err := json.Unmarshal(body, out); err != nil {
		return resp.StatusCode, tr.fail(&Error{Op: op, URL: endpoint, Status: resp.StatusCode, Kind: ErrBadResponse,
			Err: errors.New("the answer is not the expected JSON"), Tries: tries})
	}
	return resp.StatusCode, nil
}

// iamOnlyReason is the reason an IAM_ONLY instance gives for refusing
// /api/token (docs/protocol.md, "IAM_ONLY instances").
const iamOnlyReason = "Not enough privileges to complete the action"

func monitoringError(op, endpoint string, resp *http.Response, body []byte, tries int, secrets *redact.Set) *Error {
	e := &Error{Op: op, URL: endpoint, Status: resp.StatusCode, Tries: tries, secrets: secrets}
	var reasons []string
	e.Code, e.Message, reasons = parseErrorBody(secrets, body)
	e.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
	case resp.StatusCode >= 500:
		e.Kind = ErrServer
	// The status of the IAM_ONLY refusal is not documented (Sysdig uses 403
	// for "Not enough privileges" and 401 for "Access denied"): the body
	// decides, for either status.
	case (resp.StatusCode == 401 || resp.StatusCode == 403) && contains(reasons, iamOnlyReason):
		e.Kind = ErrIAMOnly
	case resp.StatusCode == 401 || resp.StatusCode == 403:
		e.Kind = ErrRefused
	case resp.StatusCode == 404:
		e.Kind = ErrNotFound
	default:
		e.Kind = ErrBadResponse
	}
	return e
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// unwrapURLError drops net/http's "Get \"URL\": " prefix; the error already
// names the endpoint.
func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
