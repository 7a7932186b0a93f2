package monitorapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// cliClientCredentials is the ibmcloud CLI's IAM client, bx:bx: public, the same in every copy
// of the CLI (defaultClientID and defaultClientSecret in the plugin SDK's
// bluemix/authentication/iam/iam.go). IAM takes the refresh grant only with them.
var cliClientCredentials = "Basic " + base64.StdEncoding.EncodeToString([]byte("bx:bx"))

// RefreshedIAMToken is the answer of IAM's refresh-token grant: a new access token, and a new
// refresh token to store in its place.
type RefreshedIAMToken struct {
	IAMToken
	RefreshToken string
	// TokenType is IAM's token_type ("Bearer"): the CLI stores the token as
	// "<token_type> <access_token>".
	TokenType string
}

// RefreshIAMToken renews the ibmcloud CLI's login session with its refresh token: one POST
// {iam}/identity/token with the CLI's client credentials, exactly as the CLI's plugin SDK makes
// it (docs/integrations.md, "ibmcloud session refresh"). go-sdk-core has no refresh grant with
// client credentials, so the request is made here, through the same transport (retries, secret
// registration, --debug redaction) as every other call.
func (c *Client) RefreshIAMToken(ctx context.Context, iamURL, refreshToken string) (RefreshedIAMToken, error) {
	const op = "refresh the ibmcloud login session"
	httpClient, tr := c.call(ctx)
	tr.secrets.Add(refreshToken)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "response_type": {"cloud_iam"}}
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(iamURL, "/")+"/identity/token", strings.NewReader(form.Encode()))
	if err != nil {
		return RefreshedIAMToken{}, tr.fail(&Error{Op: op, URL: iamURL, Kind: ErrIAMRejected, Err: errors.New("the IAM endpoint is not a URL"), grant: grantRefresh})
	}
	req.Header.Set("Authorization", cliClientCredentials)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := httpClient.Do(req)
	_, tries := tr.transportErr()
	if ctx.Err() != nil {
		return RefreshedIAMToken{}, ctx.Err()
	}
	if err != nil {
		return RefreshedIAMToken{}, tr.fail(networkError(op, iamURL, unwrapURLError(err), tries))
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return RefreshedIAMToken{}, iamError(op, iamURL, grantRefresh, httpAnswer{resp, body}, tries, tr.secrets)
	}
	bad := func(msg string) error {
		return tr.fail(&Error{Op: op, URL: iamURL, Status: resp.StatusCode, Kind: ErrBadResponse, Err: errors.New(msg), Tries: tries})
	}
	if readErr != nil {
		return RefreshedIAMToken{}, tr.fail(&Error{Op: op, URL: iamURL, Status: resp.StatusCode, Kind: ErrBadResponse, Err: readErr, Tries: tries})
	}
	var doc struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return RefreshedIAMToken{}, bad("the answer is not the expected JSON")
	}
	tr.secrets.Add(doc.AccessToken, doc.RefreshToken)
	switch {
	case doc.AccessToken == "":
		return RefreshedIAMToken{}, bad("the answer has no access_token")
	case !ValidToken(doc.AccessToken):
		return RefreshedIAMToken{}, bad("the access_token has characters a token cannot have")
	// The refresh token is written to the CLI's config and sent again later: it passes the
	// same validator, and an answer without one would leave a session that cannot be renewed.
	case !ValidToken(doc.RefreshToken) || doc.RefreshToken == notAToken:
		return RefreshedIAMToken{}, bad("the answer has no usable refresh_token")
	case doc.ExpiresIn <= 0:
		return RefreshedIAMToken{}, bad("the answer has no positive expires_in")
	// token_type goes into the config file before the token, as the CLI writes it.
	case doc.TokenType != "" && !ValidToken(doc.TokenType):
		return RefreshedIAMToken{}, bad("the token_type has characters a token type cannot have")
	}
	if doc.TokenType == "" {
		doc.TokenType = "Bearer"
	}
	return RefreshedIAMToken{
		IAMToken:     IAMToken{AccessToken: doc.AccessToken, ExpiresIn: min(doc.ExpiresIn, maxExpiresIn), ReceivedAt: c.now()},
		RefreshToken: doc.RefreshToken,
		TokenType:    doc.TokenType,
	}, nil
}

// httpAnswer is a non-2xx answer read whole, as an HTTPProblem for iamError.
type httpAnswer struct {
	resp *http.Response
	body []byte
}

func (a httpAnswer) Error() string       { return a.resp.Status }
func (a httpAnswer) StatusCode() int     { return a.resp.StatusCode }
func (a httpAnswer) Body() []byte        { return a.body }
func (a httpAnswer) Header() http.Header { return a.resp.Header }
