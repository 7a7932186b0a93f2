package monitorapi

import (
	"io"
	"net/http"
)

// Grants make IAM's token requests: the API-key grant, the
// compute-resource token grant of a trusted profile, and a VSI's instance
// identity. internal/sdkgrant provides them with go-sdk-core's
// authenticators. They are an interface of plain types so that monitorapi,
// and every package that only passes tokens around, does not link
// go-sdk-core: only main, which builds the client, does. A trusted profile
// is given in one of its forms (ID, CRN or name); the others are "".
type Grants interface {
	APIKey(iamURL, apiKey string, hc *http.Client) (TokenRequest, error)
	ComputeResource(iamURL, crTokenFile, profileID, profileName string, hc *http.Client) (TokenRequest, error)
	VPCInstance(metadataURL, profileID, profileCRN, profileName string, hc *http.Client) (TokenRequest, error)
	// SetLogger sends the grants' own log lines to w.
	SetLogger(w io.Writer)
}

// TokenRequest makes one token request.
type TokenRequest = func() (accessToken string, expiresIn int64, err error)

// HTTPProblem is a grant's error for a non-2xx answer it read whole.
type HTTPProblem interface {
	error
	StatusCode() int
	Body() []byte
	Header() http.Header
}
