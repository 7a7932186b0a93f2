package monitorapi

import (
	"context"
	"io"
	"sync"
)

// Lazy builds its Client on first use, so the warm path (a cached token)
// never sets up HTTP transports or go-sdk-core's logger. It has the
// Client's methods.
type Lazy struct {
	// New builds the client.
	New func() *Client
	// Log receives the grants' log lines (go-sdk-core's). go-sdk-core logs
	// to stdout by default, and stdout carries the token (docs/protocol.md,
	// "go-sdk-core"), so this is stderr.
	Log io.Writer

	once   sync.Once
	client *Client
}

func (l *Lazy) get() *Client {
	l.once.Do(func() {
		l.client = l.New()
		if l.client.Grants != nil && l.Log != nil {
			l.client.Grants.SetLogger(l.Log)
		}
	})
	return l.client
}

func (l *Lazy) ExchangeAPIKey(ctx context.Context, iamURL, apiKey string) (IAMToken, error) {
	return l.get().ExchangeAPIKey(ctx, iamURL, apiKey)
}

func (l *Lazy) MonitorToken(ctx context.Context, endpoint string, cred Credentials) (string, error) {
	return l.get().MonitorToken(ctx, endpoint, cred)
}

func (l *Lazy) Teams(ctx context.Context, endpoint string, cred Credentials) ([]Team, error) {
	return l.get().Teams(ctx, endpoint, cred)
}

func (l *Lazy) CurrentUser(ctx context.Context, endpoint string, cred Credentials) (User, error) {
	return l.get().CurrentUser(ctx, endpoint, cred)
}

func (l *Lazy) ExchangeCRToken(ctx context.Context, iamURL, crTokenFile string, profile TrustedProfile) (IAMToken, error) {
	return l.get().ExchangeCRToken(ctx, iamURL, crTokenFile, profile)
}

func (l *Lazy) ExchangeVPCIdentity(ctx context.Context, metadataURL string, profile TrustedProfile) (IAMToken, error) {
	return l.get().ExchangeVPCIdentity(ctx, metadataURL, profile)
}

func (l *Lazy) RefreshIAMToken(ctx context.Context, iamURL, refreshToken string) (RefreshedIAMToken, error) {
	return l.get().RefreshIAMToken(ctx, iamURL, refreshToken)
}
