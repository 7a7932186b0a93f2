package broker

import "github.com/monitor-token/monitor-token/internal/profile"

// The words for where an IAM token comes from. The Source* words are what
// credential finds at run time (status shows them: it reads the keyring to
// tell a stored key from the ibmcloud session); CredentialLabel says the
// same from the settings alone, with these words.
const (
	SourceEnv            = "IBMCLOUD_API_KEY"
	SourceEnvFile        = "IBMCLOUD_API_KEY (@file)"
	SourceKeyring        = "keyring"
	SourceSession        = "ibmcloud login session"
	SourceTrustedProfile = "trusted profile"
	SourceVPC            = "VPC instance identity"
	// LabelKeyringAPIKey is CredentialLabel's word for a profile whose
	// credential is the API key login stored (SourceKeyring), or, under
	// ibmcloud with none stored, the CLI's session (SourceSession): which
	// one is known only by reading the keyring.
	LabelKeyringAPIKey = "api key in the keyring"
)

// CredentialLabel names where p's IAM token comes from, by the kind of its
// credential (profile.Profile.CredentialKind) and without reading anything:
// what `profiles` lists and login's outcome says. A trusted profile is
// named with its name.
func CredentialLabel(p profile.Profile) string {
	switch p.CredentialKind() {
	case profile.EnvAPIKey:
		return SourceEnv
	case profile.TrustedProfile:
		return SourceTrustedProfile + " " + p.TrustedProfile
	case profile.VPCIdentity:
		return SourceVPC
	}
	return LabelKeyringAPIKey
}
