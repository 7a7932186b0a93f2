package broker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/monitor-token/monitor-token/internal/filecache"
	"github.com/monitor-token/monitor-token/store"
)

// TestAbsent: each cache's "no such item" is a miss, and nothing else is:
// a keyring or file failure must not be read as an empty cache.
func TestAbsent(t *testing.T) {
	ctx := context.Background()
	var none noCache
	if err := none.Set(ctx, "p/monitor-token", "tok"); err != nil {
		t.Fatalf("cache=none refused a write: %v", err)
	}
	_, noneGet := none.Get(ctx, "p/monitor-token")
	files := &filecache.Cache{Dir: filepath.Join(t.TempDir(), "cache")}
	_, fileGet := files.Get(ctx, "p/monitor-token")
	_, ringGet := store.NewMemory("test").Get(ctx, "p/monitor-token")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"keyring: no such item", ringGet, true},
		{"token file: no such file", fileGet, true},
		{"cache=none: read after a write", noneGet, true},
		{"cache=none: delete", none.Delete(ctx, "p/monitor-token"), true},
		{"wrapped miss", fmt.Errorf("status: %w", ringGet), true},
		{"keyring locked", &store.Error{Op: "read", Kind: store.ErrLocked}, false},
		{"keyring denied", &store.Error{Op: "read", Kind: store.ErrDenied}, false},
		{"another failure", errInjected, false},
		{"no error", nil, false},
	}
	for _, tt := range tests {
		if got := absent(tt.err); got != tt.want {
			t.Errorf("%s: absent(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
	if errors.As(fileGet, new(*store.Error)) {
		t.Errorf("a token file's miss is a keyring error: %v", fileGet)
	}
}
