// Package config loads, validates and saves monitor-token's settings file: named profiles of
// non-secret settings (endpoints, instance GUID, team). Secrets (API keys, tokens) never go in
// this file and this package never sees one.
//
// The files of the package hold one job each: paths.go says where the files live, parse.go and
// walk.go read the file, check.go holds the one rule for each setting, save.go writes the file
// under its lock, words.go says the settings in the words users type.
//
// The file is JSON:
//
//	{
//	  "version": 1,
//	  "default": "default",
//	  "profiles": {
//	    "default": {
//	      "endpoint": "https://us-south.monitoring.cloud.ibm.com",
//	      "iam_endpoint": "https://iam.cloud.ibm.com",
//	      "instance_id": "0123abcd-4567-89ab-cdef-0123456789ab",
//	      "team_id": "26055",
//	      "region": "us-south"
//	    }
//	  }
//	}
//
// Unknown fields are ignored, so that a file written by a newer monitor-token still loads; a
// higher "version" is refused because it announces an incompatible change.
//
// A file that fails to load is never written by this package: Load returns a nil *File with the
// error, and Update, the only way to change the file, stops there, so a user's hand-edited file
// with one typo is never replaced.
package config

import (
	"fmt"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
)

// Version is the file format version this package reads and writes.
const Version = 1

// MaxSize is the largest config file Load accepts. A settings file is a few hundred bytes; a
// larger one is not a config file, and reading it whole could exhaust memory.
const MaxSize = 1 << 20

// EnvPath is the environment variable that overrides the config file location.
const EnvPath = "MONITOR_TOKEN_CONFIG"

// Settings are the non-secret settings of one named profile, as the file
// holds them. The values are normalized by Check: a Settings that came out of
// Load, Check or a resolved profile never needs checking again.
type Settings struct {
	Endpoint    string `json:"endpoint"`          // Monitoring base URL, normalized (docs/protocol.md, "Monitor API token")
	IAMEndpoint string `json:"iam_endpoint"`      // IAM base URL, normalized; "" = the caller's default (docs/protocol.md, "IAM endpoints")
	InstanceID  string `json:"instance_id"`       // instance GUID, lower-case (the IBMInstanceID header)
	TeamID      string `json:"team_id,omitempty"` // numeric string; "" = the user's default team (the SysdigTeamID header)
	Region      string `json:"region,omitempty"`  // informational only; the endpoint is what is used

	// Where the IAM token comes from, what get hands out, and where the
	// token is cached. Empty means the laptop default: an API key, the
	// Monitor token, the keyring.
	Auth           string `json:"auth,omitempty"`            // AuthToken ("") or AuthIAM (IAM_ONLY instances)
	Credential     string `json:"credential,omitempty"`      // CredentialAPIKey (""), CredentialTrustedProfile, CredentialVPC
	TrustedProfile string `json:"trusted_profile,omitempty"` // a trusted profile's name, or its ID ("Profile-...")
	CRTokenFile    string `json:"cr_token_file,omitempty"`   // compute-resource token file; "" = go-sdk-core's default paths
	MetadataURL    string `json:"metadata_url,omitempty"`    // VPC instance metadata service; "" = http://169.254.169.254
	Cache          string `json:"cache,omitempty"`           // CacheKeyring (""), CacheNone, CacheFile
}

// The values of Auth, Credential and Cache.
const (
	AuthToken = ""    // hand out the team's Monitor API token
	AuthIAM   = "iam" // hand out IAM tokens, for instances set to IAM_ONLY

	CredentialAPIKey         = ""                // IBMCLOUD_API_KEY, the keyring, or the ibmcloud session
	CredentialTrustedProfile = "trusted-profile" // a compute-resource token (Kubernetes, Code Engine)
	CredentialVPC            = "vpc-instance"    // a VSI's instance identity

	CacheKeyring = ""     // the OS keyring; skipped with a warning when it cannot be reached
	CacheNone    = "none" // no cache: every get fetches
	CacheFile    = "file" // a 0600 file in the user cache directory (opt-in plain text)
)

// File is the whole settings file.
type File struct {
	Version int `json:"version"`
	// Default is the profile of commands given no --profile and no
	// MONITOR_TOKEN_PROFILE (`monitor-token use NAME`); "" is the built-in
	// name "default", and is how that name is stored. It must name one of
	// Profiles (CheckDefault).
	Default  string              `json:"default,omitempty"`
	Profiles map[string]Settings `json:"profiles"`
}

// BuiltinDefault is the profile of commands given no name at all.
const BuiltinDefault = "default"

// ParseError reports a config file that could not be read or is not valid. The file was left
// untouched.
type ParseError struct {
	Path string
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("config file %s is not valid: %v; fix or remove it (it was left untouched)", showPath(e.Path), e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// showPath and pathErrReason keep paths in one-line messages readable; internal/atomicfile owns
// them, as its messages need the same.
var (
	showPath      = atomicfile.ShowPath
	pathErrReason = atomicfile.PathErrReason
)
