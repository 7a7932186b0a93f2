package app

import (
	"context"
	"log"

	"github.com/IBM/go-sdk-core/v5/core"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// lazyAPI builds the service client on first use, so the warm path (a cached
// token) never sets up HTTP transports or go-sdk-core's logger (issue 6).
type lazyAPI struct{ p *program }

func (l lazyAPI) client() *monitorapi.Client {
	if l.p.api == nil {
		// go-sdk-core logs to stdout by default; stdout carries the token,
		// so its logger goes to stderr (ibm-monitor-api.md section 1).
		core.SetLogger(core.NewLogger(core.LevelError,
			log.New(l.p.Stderr, "", log.LstdFlags), log.New(l.p.Stderr, "", log.LstdFlags)))
		l.p.api = l.p.NewAPI("monitor-token/" + Version())
		if l.p.debug {
			l.p.api.Debug = func(line string) { l.p.debugf("%s", line) }
		}
	}
	return l.p.api
}

func (l lazyAPI) ExchangeAPIKey(ctx context.Context, iamURL, apiKey string) (monitorapi.IAMToken, error) {
	return l.client().ExchangeAPIKey(ctx, iamURL, apiKey)
}

func (l lazyAPI) MonitorToken(ctx context.Context, endpoint string, cred monitorapi.Credentials) (string, error) {
	return l.client().MonitorToken(ctx, endpoint, cred)
}

func (l lazyAPI) Teams(ctx context.Context, endpoint string, cred monitorapi.Credentials) ([]monitorapi.Team, error) {
	return l.client().Teams(ctx, endpoint, cred)
}

func (l lazyAPI) CurrentUser(ctx context.Context, endpoint string, cred monitorapi.Credentials) (monitorapi.User, error) {
	return l.client().CurrentUser(ctx, endpoint, cred)
}

func (l lazyAPI) ExchangeCRToken(ctx context.Context, iamURL, crTokenFile string, profile monitorapi.TrustedProfile) (monitorapi.IAMToken, error) {
	return l.client().ExchangeCRToken(ctx, iamURL, crTokenFile, profile)
}

func (l lazyAPI) ExchangeVPCIdentity(ctx context.Context, metadataURL string, profile monitorapi.TrustedProfile) (monitorapi.IAMToken, error) {
	return l.client().ExchangeVPCIdentity(ctx, metadataURL, profile)
}
