// Package sdkgrant makes IAM's token requests with go-sdk-core's
// authenticators (IamAuthenticator, ContainerAuthenticator,
// VpcInstanceAuthenticator), as monitorapi.Grants. It is the only package
// that imports go-sdk-core; main hands it to the client, so the packages
// between them stay free of it.
package sdkgrant

import (
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"

	"github.com/IBM/go-sdk-core/v5/core"
)

// Grants are go-sdk-core's authenticators, as monitorapi.Grants. The
// package imports nothing of monitorapi, so monitorapi's own tests can use
// it; sdkgrant_test checks that Grants satisfies the interface.
type Grants struct{}

// tokenRequest is monitorapi.TokenRequest.
type tokenRequest = func() (accessToken string, expiresIn int64, err error)

// SetLogger routes go-sdk-core's logger to w. It logs to stdout by default,
// and stdout carries the token (docs/protocol.md, "go-sdk-core").
func (Grants) SetLogger(w io.Writer) {
	logger := log.New(w, "", log.LstdFlags)
	core.SetLogger(core.NewLogger(core.LevelError, logger, logger))
}

// ErrMalformedKey: go-sdk-core's Validate refused the key (surrounding
// quotes or braces); its message names the property, never the value.
var ErrMalformedKey = errors.New("the API key is malformed (surrounding quotes or braces?)")

func (Grants) APIKey(iamURL, apiKey string, hc *http.Client) (tokenRequest, error) {
	auth, err := core.NewIamAuthenticatorBuilder().SetApiKey(apiKey).SetURL(iamURL).SetClient(hc).Build()
	if err != nil {
		return nil, ErrMalformedKey
	}
	return request(auth), nil
}

func (Grants) ComputeResource(iamURL, crTokenFile, profileID, profileName string, hc *http.Client) (tokenRequest, error) {
	b := core.NewContainerAuthenticatorBuilder().SetURL(iamURL).SetClient(hc)
	if crTokenFile != "" {
		b.SetCRTokenFilename(crTokenFile)
	}
	if profileID != "" {
		b.SetIAMProfileID(profileID)
	} else {
		b.SetIAMProfileName(profileName)
	}
	auth, err := b.Build()
	if err != nil {
		return nil, err
	}
	return request(auth), nil
}

func (Grants) VPCInstance(metadataURL, profileID, profileCRN, profileName string, hc *http.Client) (tokenRequest, error) {
	b := core.NewVpcInstanceAuthenticatorBuilder().SetURL(metadataURL).SetClient(hc)
	switch {
	case profileID != "":
		b.SetIAMProfileID(profileID)
	case profileCRN != "":
		b.SetIAMProfileCRN(profileCRN)
	case profileName != "":
		b.SetIAMProfileName(profileName)
	}
	auth, err := b.Build()
	if err != nil {
		return nil, err
	}
	return request(auth), nil
}

// tokenRequester is what the go-sdk-core authenticators have in common.
type tokenRequester interface {
	RequestToken() (*core.IamTokenServerResponse, error)
}

func request(auth tokenRequester) tokenRequest {
	return func() (string, int64, error) {
		resp, err := auth.RequestToken()
		if err != nil {
			var authErr *core.AuthenticationError
			if errors.As(err, &authErr) && authErr.HTTPProblem != nil && authErr.Response != nil && authErr.Response.StatusCode != 0 {
				return "", 0, problem{err: err, resp: authErr.Response}
			}
			return "", 0, err
		}
		if resp == nil {
			return "", 0, errors.New("the answer has no token")
		}
		return resp.AccessToken, resp.ExpiresIn, nil
	}
}

// problem is a non-2xx answer go-sdk-core has parsed.
type problem struct {
	err  error
	resp *core.DetailedResponse
}

func (p problem) Error() string       { return p.err.Error() }
func (p problem) StatusCode() int     { return p.resp.StatusCode }
func (p problem) Header() http.Header { return p.resp.Headers }
func (p problem) Body() []byte {
	switch {
	case p.resp.RawResult != nil:
		return p.resp.RawResult
	case p.resp.Result != nil:
		b, _ := json.Marshal(p.resp.Result)
		return b
	}
	return nil
}
