package broker

import (
	"context"
	"errors"
)

// errNotCached is what noCache answers every read and removal with.
var errNotCached = errors.New("cache=none holds no token")

// noCache is the cache of cache=none: it keeps nothing, so every get
// fetches. A write is accepted and dropped, so that the paths that cache
// need no case for it.
type noCache struct{}

func (noCache) Get(ctx context.Context, item string) (string, error) { return "", errNotCached }
func (noCache) Set(ctx context.Context, item, secret string) error   { return nil }
func (noCache) Delete(ctx context.Context, item string) error        { return errNotCached }
