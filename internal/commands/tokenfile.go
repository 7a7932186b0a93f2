package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// `get --output FILE` writes the token for a program that reads it from a
// file (Prometheus's credentials_file, the OpenTelemetry collector's
// bearertokenauth): through a temporary file in the same directory and a
// rename over FILE, so a reader sees the old token or the new one, never
// half (atomicfile; Vault Agent's file sink does the same). The directory
// is held to the config file's rule: the user's or root's, and not
// writable by others unless sticky, since whoever could swap the file
// could also read the token or feed a reader a wrong one
// (docs/integrations.md, "Token file").

// tokenFileModes are the modes --file-mode takes: the owner alone, or the
// owner and its group (a reader in the owner's group, such as a Prometheus
// container sharing the pod's fsGroup).
var tokenFileModes = map[string]fs.FileMode{"0600": 0o600, "0640": 0o640}

var tokenFilePlace = trustedpath.SettingsFile{
	Name:      "the token file",
	Move:      "give --output a path in a directory of yours that only you and root can write",
	NotSystem: true,
}

// writeTokenFile writes o's format of tok to o.Output.
func writeTokenFile(o GetOptions, prof profile.Profile, tok broker.Token) error {
	var buf bytes.Buffer
	if err := tokenFormatWriter(o.Format)(&buf, newTokenOutput(prof, tok)); err != nil {
		return err
	}
	real, err := tokenFilePath(o.Output)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(real, buf.Bytes(), o.FileMode); err != nil {
		return fmt.Errorf("get --output %s: %w", atomicfile.ShowPath(o.Output), err)
	}
	return nil
}

// tokenFilePath is where the token file really is (links resolved), once
// output passed as a place for one: the way to it held to the rule, its
// directory there, and nothing at it but a regular file of the user's or
// root's. It is checked before anything is fetched, and again before each
// write of a watch.
func tokenFilePath(output string) (string, error) {
	real, dirExists, err := tokenFilePlace.Resolve(output)
	var system *trustedpath.SystemPathError
	if errors.As(err, &system) {
		return "", fmt.Errorf("get --output %s: it leads to /dev or /proc, the system's files, not a place for a token file; drop --output to print the token to stdout", atomicfile.ShowPath(output))
	}
	if err != nil {
		return "", err
	}
	if !dirExists {
		return "", fmt.Errorf("get --output: the directory %s does not exist; create it first", atomicfile.ShowPath(filepath.Dir(output)))
	}
	if err := tokenFilePlace.CheckExisting(real); err != nil {
		return "", err
	}
	return real, nil
}
