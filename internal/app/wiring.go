package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/ibmcloud"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/store"
)

// This file wires one run's broker: the keyring with this run's deadlines,
// the service client, the cache directory, the ibmcloud session and the
// messages. The commands get it through commands.Factory and decide nothing
// it decides.

// secrets opens the keyring with a deadline on every call. The deadline
// depends on who waits: a script or git gets an answer within seconds, a
// person at `login` gets time to type an unlock password
// (docs/keyring.md, "Deadlines"). Either way, once the keyring shows a
// prompt, the person gets the interactive deadline to answer it
// (MONITOR_TOKEN_KEYRING_TIMEOUT sets both); the OS keyring's Store keeps
// these deadlines itself, since only it sees the prompt, and so gets a
// context without one (docs/keyring.md, "Prompts and deadlines").
func (p *program) secrets(interactive bool) (broker.Secrets, error) {
	timeout := store.DefaultTimeout
	if interactive {
		timeout = store.InteractiveTimeout
	}
	timeout, err := store.TimeoutFromEnv(p.getenv, timeout)
	if err != nil {
		return nil, cmdutil.Usagef("%v", err)
	}
	prompt, _ := store.TimeoutFromEnv(p.getenv, store.InteractiveTimeout) // checked just above
	inner := p.OpenSecrets()
	if s, ok := inner.(*store.Store); ok {
		inner = s.WithDeadlines(store.Deadlines{Answer: timeout, Prompt: prompt, Notice: p.promptNotice})
		timeout = 0
	}
	return deadlineSecrets{inner: inner, timeout: timeout, p: p}, nil
}

// promptNotice says on stderr that a keyring call waits for a person.
func (p *program) promptNotice(pr store.Prompt) {
	fmt.Fprintf(p.Stderr, "%s: %s\n", p.name, pr)
}

func (p *program) broker(interactive bool) (*broker.Broker, error) {
	sec, err := p.secrets(interactive)
	if err != nil {
		return nil, err
	}
	api := &monitorapi.Lazy{Log: p.Stderr, New: func() *monitorapi.Client {
		c := p.NewAPI("monitor-token/" + cmdutil.Version())
		// One set of secrets for the run, shared with the client, and
		// proxies from the run's environment, not the process's.
		c.Secrets = p.seen
		c.HTTP = monitorapi.NewHTTPClient(p.getenv)
		if p.debug {
			c.Debug = func(line string) { p.debugf("%s", line) }
		}
		return c
	}}
	b := &broker.Broker{
		Program:  p.hintName(),
		Keyring:  sec,
		API:      api,
		Warn:     p.warn,
		OnSecret: p.remember,
		Now:      p.Now,
		Announce: func(name, path string) {
			fmt.Fprintf(p.Stderr, "%s: caching the token of profile %q in plain text at %s (cache=file)\n", p.name, name, atomicfile.ShowPath(path))
		},
	}
	b.CacheDir, b.CacheDirErr = config.CacheDir(p.getenv)
	if p.underIBMCloud {
		b.Session = func(ctx context.Context) (broker.SessionToken, error) { return p.ibmcloudSession(ctx, api) }
	}
	return b, nil
}

// ibmcloudSession finds the ibmcloud CLI's login session
// (docs/integrations.md, "ibmcloud session": a plugin has no other channel
// to it), reading the CLI's config file and nothing else. The token it
// gives is the session's, or, when that has expired, a new one from IAM's
// refresh grant, written back to the CLI's config as the CLI's SDK does
// (docs/integrations.md, "ibmcloud session refresh"). Its lifetime is what
// is left until its exp claim (0, not cached, when it has none).
func (p *program) ibmcloudSession(ctx context.Context, api *monitorapi.Lazy) (broker.SessionToken, error) {
	file := ibmcloud.ConfigFile(p.getenv)
	// The read waits only for the CLI's lock on its config, while an
	// ibmcloud command writes it, and no longer than ctx allows.
	s, err := ibmcloud.ReadSession(ctx, file, p.Now())
	if err != nil {
		return nil, err
	}
	p.remember(s.RefreshToken)
	if !s.NeedsRefresh {
		return func(context.Context) (monitorapi.IAMToken, error) { return sessionToken(s, p.Now()), nil }, nil
	}
	return func(ctx context.Context) (monitorapi.IAMToken, error) {
		grant := func(ctx context.Context, iamURL, refresh string) (ibmcloud.Tokens, error) {
			t, err := api.RefreshIAMToken(ctx, iamURL, refresh)
			p.remember(t.AccessToken)
			p.remember(t.RefreshToken)
			return ibmcloud.Tokens{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType}, err
		}
		now := p.Now()
		// IAM_ENDPOINT is the SDK's own override of the session's IAM
		// endpoint (repository.RefreshIAMToken).
		s, err := ibmcloud.Refresh(ctx, file, now, p.getenv("IAM_ENDPOINT"), grant)
		if err != nil {
			return monitorapi.IAMToken{}, err
		}
		if s.NotWritten != "" {
			p.warn(errors.New(s.NotWritten))
		}
		p.remember(s.RefreshToken)
		return sessionToken(s, now), nil
	}, nil
}

// sessionToken is the session's access token with its lifetime counted
// from now.
func sessionToken(s ibmcloud.Session, now time.Time) monitorapi.IAMToken {
	tok := monitorapi.IAMToken{AccessToken: s.IAMToken, ReceivedAt: now}
	if !s.Expiry.IsZero() {
		tok.ExpiresIn = int64(s.Expiry.Sub(now) / time.Second)
	}
	return tok
}

func (p *program) warn(err error) {
	fmt.Fprintf(p.Stderr, "%s: warning: %s\n", p.name, p.scrub(err.Error()))
}

// deadlineSecrets gives every keyring call its own deadline, and logs it
// for --debug. timeout 0: inner keeps the deadlines itself.
type deadlineSecrets struct {
	inner   broker.Secrets
	timeout time.Duration
	p       *program
}

// withDeadline is ctx with d's deadline, if d sets one.
func (d deadlineSecrets) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d.timeout)
}

func (d deadlineSecrets) Get(ctx context.Context, item string) (string, error) {
	ctx, cancel := d.withDeadline(ctx)
	defer cancel()
	start := time.Now()
	v, err := d.inner.Get(ctx, item)
	d.trace("read", item, start, err)
	return v, err
}

func (d deadlineSecrets) Set(ctx context.Context, item, secret string) error {
	ctx, cancel := d.withDeadline(ctx)
	defer cancel()
	start := time.Now()
	err := d.inner.Set(ctx, item, secret)
	d.trace("write", item, start, err)
	return err
}

func (d deadlineSecrets) Delete(ctx context.Context, item string) error {
	ctx, cancel := d.withDeadline(ctx)
	defer cancel()
	start := time.Now()
	err := d.inner.Delete(ctx, item)
	d.trace("delete", item, start, err)
	return err
}

func (d deadlineSecrets) DeleteAll(ctx context.Context) error {
	all, ok := d.inner.(interface{ DeleteAll(context.Context) error })
	if !ok {
		return fmt.Errorf("this keyring cannot delete all items")
	}
	ctx, cancel := d.withDeadline(ctx)
	defer cancel()
	start := time.Now()
	err := all.DeleteAll(ctx)
	d.trace("delete all", "", start, err)
	return err
}

// trace logs a keyring call for --debug: the item's name, never its value.
func (d deadlineSecrets) trace(op, item string, start time.Time, err error) {
	if !d.p.debug {
		return
	}
	result := "ok"
	if err != nil {
		result = err.Error()
	}
	d.p.debugf("keyring %s %s: %s in %dms", op, item, result, time.Since(start).Milliseconds())
}
