package config

import (
	"errors"
	"path/filepath"
	"runtime"
)

// DefaultPath returns where the config file lives: $MONITOR_TOKEN_CONFIG when set (used as given),
// else <user config dir>/monitor-token/config.json. The user config dir follows os.UserConfigDir
// but is computed from getenv, so tests can inject the environment:
//   - Linux and other Unix: $XDG_CONFIG_HOME if it is an absolute path (the XDG spec says to
//     ignore relative ones), else $HOME/.config; $HOME must then be absolute.
//   - macOS and iOS: $HOME/Library/Application Support.
//   - Windows: %APPDATA%.
//   - Plan 9: $home/lib.
func DefaultPath(getenv func(string) string) (string, error) {
	return defaultPath(runtime.GOOS, getenv)
}

func defaultPath(goos string, getenv func(string) string) (string, error) {
	if p := getenv(EnvPath); p != "" {
		return p, nil
	}
	var dir string
	switch goos {
	case "windows":
		// As Windows spells it; the app's getenv matches names regardless
		// of case there, as the system does.
		dir = getenv("APPDATA")
		if dir == "" {
			return "", errors.New("cannot find the config directory: %APPDATA% is not set; set " + EnvPath + " to the config file path")
		}
	case "darwin", "ios":
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return "", errors.New("cannot find the config directory: $HOME is not set to an absolute path; set " + EnvPath + " to the config file path")
		}
		dir = filepath.Join(home, "Library", "Application Support")
	case "plan9":
		home := getenv("home")
		if home == "" {
			return "", errors.New("cannot find the config directory: $home is not set; set " + EnvPath + " to the config file path")
		}
		dir = filepath.Join(home, "lib")
	default:
		dir = getenv("XDG_CONFIG_HOME")
		if !filepath.IsAbs(dir) {
			home := getenv("HOME")
			if !filepath.IsAbs(home) {
				return "", errors.New("cannot find the config directory: neither $XDG_CONFIG_HOME nor $HOME is set to an absolute path; set " + EnvPath + " to the config file path")
			}
			dir = filepath.Join(home, ".config")
		}
	}
	return filepath.Join(dir, "monitor-token", "config.json"), nil
}

// CacheDir returns the directory of monitor-token's lock files and of opted-in file caches:
// <user cache dir>/monitor-token, with the user cache dir computed from getenv as
// os.UserCacheDir does ($XDG_CACHE_HOME when absolute, else ~/.cache; ~/Library/Caches on macOS;
// %LOCALAPPDATA% on Windows), so tests can inject the environment. Its error names the
// variables of the platform at hand.
func CacheDir(getenv func(string) string) (string, error) {
	return cacheDir(runtime.GOOS, getenv)
}

func cacheDir(goos string, getenv func(string) string) (string, error) {
	var base string
	switch goos {
	case "windows":
		if base = getenv("LOCALAPPDATA"); base == "" {
			return "", errors.New("no user cache directory: %LOCALAPPDATA% is not set")
		}
	case "darwin", "ios":
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return "", errors.New("no user cache directory: $HOME is not set to an absolute path")
		}
		base = filepath.Join(home, "Library", "Caches")
	default:
		base = getenv("XDG_CACHE_HOME")
		if !filepath.IsAbs(base) {
			base = ""
			if home := getenv("HOME"); filepath.IsAbs(home) {
				base = filepath.Join(home, ".cache")
			}
		}
	}
	if base == "" {
		return "", errors.New("no user cache directory: neither $XDG_CACHE_HOME nor $HOME is set to an absolute path")
	}
	return filepath.Join(base, "monitor-token"), nil
}
