package config

import "strings"

// The words users type for the settings whose stored value is "" (AuthToken, CacheKeyring).
const (
	authTokenWord    = "token"
	cacheKeyringWord = "keyring"
)

// AuthWords and CacheWords are the values of auth and cache as users type them (the login flags,
// the MONITOR_TOKEN_* variables): what Check accepts, as completion offers them.
var (
	AuthWords  = []string{authTokenWord, AuthIAM}
	CacheWords = []string{cacheKeyringWord, CacheNone, CacheFile}
)

// AuthWord is an auth setting (Settings.Auth, as Check leaves it) in the word users type for it,
// one of AuthWords: "token" or "iam". Reports (status, profiles, get --format json) show it so.
func AuthWord(setting string) string {
	if setting == AuthToken {
		return authTokenWord
	}
	return setting
}

// CacheWord is a cache setting (Settings.Cache, as Check leaves it) in the word users type for
// it, one of CacheWords: "keyring", "none" or "file".
func CacheWord(setting string) string {
	if setting == CacheKeyring {
		return cacheKeyringWord
	}
	return setting
}

// OnOff reads a switch as users type it, in any case: 1, true, yes or on; 0, false, no or off;
// the empty value is off. ok is false for any other value, which the caller refuses, naming the
// variable. It is the rule of every switch variable (MONITOR_TOKEN_PRIVATE,
// MONITOR_TOKEN_VPC_INSTANCE, MONITOR_TOKEN_DEBUG).
func OnOff(v string) (on, ok bool) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, true
	case "", "0", "false", "no", "off":
		return false, true
	}
	return false, false
}
