package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/monitor-token/monitor-token/internal/endpoint"
)

// Check holds the one rule for each setting. Every source of settings goes through it: the
// config file (Load and Save), login's flags, and the MONITOR_TOKEN_* variables of a profile
// that lives in the environment. Only the names in messages differ, and name gives them: a
// field of the file ("team_id"), a flag ("--team") or a variable ("MONITOR_TOKEN_TEAM").
//
// Values are never repeated in messages: a secret pasted into the wrong field or flag must not
// reach a terminal log. Only what is wrong with the value is said.

// Field names, as the file spells them. Credential values have pseudo-fields of their own, so a
// source can name the flag or variable that chose them.
const (
	FieldEndpoint       = "endpoint"
	FieldIAMEndpoint    = "iam_endpoint"
	FieldInstanceID     = "instance_id"
	FieldTeamID         = "team_id"
	FieldRegion         = "region"
	FieldAuth           = "auth"
	FieldCredential     = "credential"
	FieldTrustedProfile = "trusted_profile"
	FieldCRTokenFile    = "cr_token_file"
	FieldMetadataURL    = "metadata_url"
	FieldCache          = "cache"

	// CredentialIs names the choice of a credential value: CredentialIs+CredentialVPC is how
	// the user asked for a VSI's identity (--vpc-instance, or `credential "vpc-instance"`).
	CredentialIs = "credential="
)

// FieldError is a setting that breaks its rule. Field is the field at
// fault, so a caller can tell where its value came from.
type FieldError struct {
	Field string
	msg   string
}

func (e *FieldError) Error() string { return e.msg }

// A Namer turns a field into what the user wrote: a flag, a variable, a field of the file.
type Namer func(field string) string

// FileField names fields as the config file spells them.
func FileField(field string) string {
	if v, ok := strings.CutPrefix(field, CredentialIs); ok {
		return FieldCredential + " " + strconv.Quote(v)
	}
	return field
}

// Check validates s and returns it normalized: endpoints in their canonical form, the GUID in
// lower case, the team id without leading zeros, the words of auth, credential and cache in
// their stored form. Errors are one line that starts with the name of the setting.
func Check(s Settings, name Namer) (Settings, error) {
	bad := func(field, format string, args ...any) (Settings, error) {
		return s, &FieldError{Field: field, msg: fmt.Sprintf("%s "+format, append([]any{name(field)}, args...)...)}
	}
	if s.Endpoint == "" {
		return bad(FieldEndpoint, "is missing (expected the Monitoring URL, e.g. https://us-south.monitoring.cloud.ibm.com)")
	}
	ep, err := endpoint.NormalizeMonitoring(s.Endpoint)
	if err != nil {
		return bad(FieldEndpoint, "%s", endpointReason(err))
	}
	s.Endpoint = ep
	if s.IAMEndpoint != "" {
		iam, err := endpoint.NormalizeIAM(s.IAMEndpoint)
		if err != nil {
			return bad(FieldIAMEndpoint, "%s", endpointReason(err))
		}
		s.IAMEndpoint = iam
	}
	switch {
	case s.InstanceID == "":
		return bad(FieldInstanceID, "is missing (expected the instance GUID, 8-4-4-4-12 hex digits; `ibmcloud resource service-instance NAME --output json` shows it)")
	case !endpoint.IsGUID(s.InstanceID):
		return bad(FieldInstanceID, "is not an instance GUID (expected 8-4-4-4-12 hex digits; `ibmcloud resource service-instance NAME --output json` shows it)")
	}
	s.InstanceID = strings.ToLower(s.InstanceID)
	if s.TeamID != "" {
		team, ok := normalTeamID(s.TeamID)
		if !ok {
			return bad(FieldTeamID, "is not a team id (expected a positive decimal number such as 26055, or none for the user's default team; `monitor-token teams` lists them)")
		}
		s.TeamID = team
	}
	if s.Region != "" && !validRegionID(s.Region) {
		return bad(FieldRegion, "is not valid (expected a region id such as us-south)")
	}
	return checkModes(s, name, bad)
}

// checkModes checks the settings that say where the IAM token comes from, what get hands out and
// where the token is cached.
func checkModes(s Settings, name Namer, bad func(string, string, ...any) (Settings, error)) (Settings, error) {
	switch s.Auth {
	case AuthToken, authTokenWord:
		s.Auth = AuthToken
	case AuthIAM:
	default:
		return bad(FieldAuth, "is not valid (expected token, the Monitor API token, or iam, IAM tokens for IAM_ONLY instances)")
	}
	trusted, vpc := name(CredentialIs+CredentialTrustedProfile), name(CredentialIs+CredentialVPC)
	switch s.Credential {
	case CredentialAPIKey, "api-key":
		s.Credential = CredentialAPIKey
		for _, f := range []struct{ field, value string }{{FieldTrustedProfile, s.TrustedProfile}, {FieldCRTokenFile, s.CRTokenFile}, {FieldMetadataURL, s.MetadataURL}} {
			if f.value != "" {
				return bad(f.field, "goes with %s or %s", trusted, vpc)
			}
		}
	case CredentialTrustedProfile:
		if s.TrustedProfile == "" {
			return bad(CredentialIs+CredentialTrustedProfile, "needs the trusted profile's name or ID")
		}
		if s.MetadataURL != "" {
			return bad(FieldMetadataURL, "goes with %s", vpc)
		}
		if s.CRTokenFile != "" && !filepath.IsAbs(s.CRTokenFile) {
			return bad(FieldCRTokenFile, "must be an absolute path")
		}
	case CredentialVPC:
		if s.CRTokenFile != "" {
			return bad(FieldCRTokenFile, "goes with %s, not %s", trusted, vpc)
		}
		if s.MetadataURL != "" {
			u, err := endpoint.NormalizeMetadata(s.MetadataURL)
			if err != nil {
				return bad(FieldMetadataURL, "%s", endpointReason(err))
			}
			s.MetadataURL = u
		}
	default:
		return bad(FieldCredential, "is not valid (expected trusted-profile, vpc-instance, or none for an API key)")
	}
	if !validTrustedProfile(s.TrustedProfile) {
		return bad(FieldTrustedProfile, "is not a trusted profile name or ID (at most 256 characters, no control characters)")
	}
	switch s.Cache {
	case CacheKeyring, cacheKeyringWord:
		s.Cache = CacheKeyring
	case CacheNone, CacheFile:
	default:
		return bad(FieldCache, "is not valid (expected keyring, none, or file for plain text)")
	}
	return s, nil
}

// validTrustedProfile accepts what IAM could plausibly call a trusted profile. IAM does not
// publish the character set of profile names, so only what could break a request or a one-line
// message is refused: control characters and absurd lengths.
func validTrustedProfile(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// endpointReason returns the reason of an endpoint error. The rejected value is what the user
// typed, so it is not repeated.
func endpointReason(err error) string {
	var e *endpoint.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return "is not valid"
}

// normalTeamID accepts a positive decimal number that fits in an int64, as the SysdigTeamID
// header takes it (docs/protocol.md, "Monitor API token"), and returns it without leading zeros:
// "026055" is the team 26055, and the cached token's binding compares the canonical form.
func normalTeamID(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

// validRegionID accepts the shape of a region id rather than the list in internal/endpoint: the
// field is informational, and a region added after this build must not make the file unreadable.
func validRegionID(s string) bool {
	if len(s) > 32 || s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// CheckDefault is the rule of the file's "default": empty, or the name of one of profiles. It
// returns the stored form, in which the built-in name "default" is empty.
func CheckDefault(name string, profiles map[string]Settings) (string, error) {
	if name == "" || name == BuiltinDefault {
		return "", nil
	}
	if err := ValidProfileName(name); err != nil {
		return "", fmt.Errorf("\"default\": %w", err)
	}
	if _, ok := profiles[name]; !ok {
		return "", fmt.Errorf("\"default\" names profile %q, which is not in \"profiles\"", name)
	}
	return name, nil
}

// ValidProfileName checks a profile name against ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$: names end up
// in command lines, keyring entries and cache file names, so they are kept to safe characters.
func ValidProfileName(name string) error {
	ok := name != "" && len(name) <= 64 && isAlnum(name[0])
	for i := 1; ok && i < len(name); i++ {
		c := name[i]
		ok = isAlnum(c) || c == '.' || c == '_' || c == '-'
	}
	if ok {
		return nil
	}
	shown := name
	if len(shown) > 80 {
		shown = shown[:80] + "..."
	}
	return fmt.Errorf("profile name %q is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit", shown)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
