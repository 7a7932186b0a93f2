// Package profile resolves, once per run, the one profile every caller
// uses: the commands, the git helper, exec, status, teams and the ibmcloud
// personality. Flags, the environment (a MONITOR_TOKEN_* profile,
// MONITOR_TOKEN_PROFILE, IBMCLOUD_API_KEY, IBMCLOUD_IAM_API_ENDPOINT) and
// the config file go in; a Profile comes out that knows where each of its
// settings came from. Every setting is checked by the one rule in
// internal/config, whatever its source, and messages name the flag,
// variable or file field the value came from.
//
// The package reads the environment only through the getenv it is given,
// so the composition layer can be tested in process.
package profile

import (
	"github.com/monitor-token/monitor-token/internal/config"
)

// Profile is a resolved profile: its name, its settings, and where each came
// from. It never holds a secret except EnvAPIKey, the raw value of
// IBMCLOUD_API_KEY, which the broker reads the key from.
type Profile struct {
	Name string
	config.Settings

	// NameFrom says who chose the name: "--profile", MONITOR_TOKEN_PROFILE,
	// or "" for the name "default".
	NameFrom string
	// From says where the settings live: FromFile, FromEnvironment or
	// FromFlags (a login that is about to store them).
	From string
	// ConfigFile is the config file's path, also for a profile that is not
	// in it (login writes there).
	ConfigFile string
	// Origins names, for each setting that was given, the flag or variable
	// that gave it ("--team", "MONITOR_TOKEN_TEAM"); for a profile from the
	// file it is empty and every setting is the file's.
	Origins map[string]string

	// EnvAPIKey is IBMCLOUD_API_KEY as set ("@path" reads the key from a
	// file). When set it is the credential, whatever the profile says, as
	// in IBM's own CLI.
	EnvAPIKey string

	// StoredCredentialRefused, when set, says why this profile may not use
	// the credentials stored on this machine for its name (the keyring's
	// API key, the ibmcloud session): its endpoints come from the
	// environment alone. The broker returns it instead of using them.
	StoredCredentialRefused error
}

// Where a profile's settings live.
const (
	FromFile        = "config file"
	FromEnvironment = "environment"
	FromFlags       = "flags"
)

// CredentialKind is where a profile's IAM token comes from. It is decided here,
// once; what follows from it is the broker's (credential, CredentialLabel),
// and commands ask it only whether the credential is the keyring's API key
// (login then reads one; status then needs the keyring).
type CredentialKind int

const (
	// KeyringAPIKey: the API key login stored in the keyring (under
	// ibmcloud, the CLI's login session when there is none).
	KeyringAPIKey CredentialKind = iota
	// EnvAPIKey: IBMCLOUD_API_KEY (or its @file form).
	EnvAPIKey
	// TrustedProfile: a compute-resource token exchanged for a trusted
	// profile (Kubernetes, Code Engine).
	TrustedProfile
	// VPCIdentity: a VSI's instance identity, from the metadata service.
	VPCIdentity
)

// CredentialKind says where p's IAM token comes from. IBMCLOUD_API_KEY wins
// over everything the profile says.
func (p Profile) CredentialKind() CredentialKind {
	switch {
	case p.EnvAPIKey != "":
		return EnvAPIKey
	case p.Settings.Credential == config.CredentialTrustedProfile:
		return TrustedProfile
	case p.Settings.Credential == config.CredentialVPC:
		return VPCIdentity
	}
	return KeyringAPIKey
}

// IAMMode says whether p hands out IAM tokens (IAM_ONLY instances) rather
// than the Monitor API token.
func (p Profile) IAMMode() bool { return p.Auth == config.AuthIAM }

// Origin names the flag or variable that gave setting (a login flag's name:
// "team", "iam-endpoint"), or the config file.
func (p Profile) Origin(setting string) string {
	if o, ok := p.Origins[setting]; ok {
		return o
	}
	if p.From == FromFile {
		return "the config file"
	}
	return ""
}
