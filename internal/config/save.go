package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/filelock"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// lockWait bounds how long Update waits for another writer. A writer holds the lock for one
// read, change and write of a small file; a wait this long means a holder that is stuck, not
// one that is slow.
const lockWait = 30 * time.Second

// Update changes the file at path: under the file's lock, it loads the file, lets change edit
// it, and saves the result atomically. Concurrent Updates of different profiles all survive,
// which a load-change-rename without the lock cannot promise (the last rename wins). Readers
// take no lock: the rename means they see the old file or the new one, whole.
//
// The lock is <path>.lock beside the file, an OS file lock (internal/filelock): a writer that
// was killed releases it with its death. A file that does not load is not written; change is
// not called. An error from change leaves the file as it was.
func Update(ctx context.Context, path string, change func(*File) error) error {
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	target, err := prepare(path)
	if err != nil {
		return err
	}
	unlock, err := filelock.Acquire(ctx, filepath.Dir(target), filepath.Base(target))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("config not saved to %s: another monitor-token is still changing it; try again: %w", showPath(path), err)
		}
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	defer unlock()
	f, err := Load(path)
	if err != nil {
		return err
	}
	if err := change(f); err != nil {
		return err
	}
	return f.save(path, target) // the path was checked and its directory made above
}

// Validate checks f as Load would check a file, without changing it.
func (f *File) Validate() error {
	_, err := f.normalized()
	return err
}

// normalized returns a validated copy of f with normalized profiles and the current version.
func (f *File) normalized() (*File, error) {
	if f == nil {
		return nil, errors.New("no config to save")
	}
	if f.Version < 0 || f.Version > Version {
		return nil, fmt.Errorf("version %d is not supported (expected %d)", f.Version, Version)
	}
	out := &File{Version: Version, Profiles: make(map[string]Settings, len(f.Profiles))}
	for name, p := range f.Profiles {
		if err := ValidProfileName(name); err != nil {
			return nil, err
		}
		np, err := Check(p, FileField)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", name, err)
		}
		out.Profiles[name] = np
	}
	var err error
	if out.Default, err = CheckDefault(f.Default, out.Profiles); err != nil {
		return nil, err
	}
	return out, nil
}

// Save validates f and writes it to path, replacing any existing file atomically
// (internal/atomicfile says why each step). f itself is not modified; what is written is the
// normalized form Load would return. The file is 0600; missing directories are created 0700. If
// path is a symbolic link, the file it points to is replaced and the link kept (dotfile managers
// link config files).
//
// Save alone does not protect a read-modify-write: use Update, which holds the lock.
func (f *File) Save(path string) error { return f.save(path, "") }

// save is Save to target, the file prepare found for path ("": prepare it now).
func (f *File) save(path, target string) error {
	nf, err := f.normalized()
	if err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	data, err := json.MarshalIndent(nf, "", "  ")
	if err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	data = append(data, '\n')
	if len(data) > MaxSize {
		return fmt.Errorf("config not saved to %s: it would be %d bytes, larger than the %d bytes limit", showPath(path), len(data), MaxSize)
	}
	if target == "" {
		if target, err = prepare(path); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(target, data, 0o600); err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	return nil
}

// prepare returns the file to replace for path, with its directory made and checked
// (internal/trustedpath): the lock and the temporary file go there, and neither may go through
// another user's link. If path is a symbolic link of the user's, the file it points to is
// replaced and the link kept (dotfile managers link config files).
func prepare(path string) (string, error) {
	target, _, err := trustedpath.ConfigFile.Resolve(path)
	if err == nil {
		err = trustedpath.ConfigFile.EnsureDir(filepath.Dir(target))
	}
	switch {
	case trustedpath.Refused(err):
		return "", err // its own message names the place and the fix
	case err != nil:
		return "", fmt.Errorf("config not saved to %s: %w", showPath(path), pathErrReason(err))
	}
	return target, nil
}
