package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Trusted profiles: an IAM identity that a workload assumes without an API key, by showing a
// compute-resource token (go-sdk-core's ContainerAuthenticator, the cr-token grant of
// POST /identity/token) or from a VPC virtual server (VpcInstanceAuthenticator, vpc.go).
// Their IAM tokens are like an API key user's: same response fields, same lifetime, accepted
// on /api/token, /api/teams and /api/users/me for every instance.

// TrustedProfile is an IAM trusted profile.
type TrustedProfile struct {
	// ID is IAM's profile ID, "Profile-<uuid>". Required, and must start with "Profile-":
	// that prefix is how clients (monitor-token's --trusted-profile) tell an ID from a name.
	ID string
	// Name is the profile's name, unique among the emulator's profiles. Required, and must
	// not start with "Profile-".
	Name string
	// CRTokens are the compute-resource tokens (e.g. a projected service-account token's
	// content) this profile trusts, compared byte for byte: go-sdk-core sends the token
	// file's content untrimmed, so a file with a trailing newline does not match. May be
	// empty for a profile only used from a VPC instance (every profile trusts the emulated
	// VSI).
	CRTokens []string
	// UserID is the user the profile's IAM tokens act as: ims_user_id of the token
	// response and the id of /api/users/me. Its username there is the one given to
	// AddAPIKey for the same ID, else the profile's Name.
	UserID int
}

// profileIDPrefix is the prefix of IAM's trusted profile IDs.
const profileIDPrefix = "Profile-"

// AddTrustedProfile registers a trusted profile. Adding an ID again replaces that profile. It
// panics on an invalid setup (see TrustedProfile; also a name already used by another
// profile): that is a bug in the test, not a client bug.
func (e *Emulator) AddTrustedProfile(p TrustedProfile) {
	if err := validateProfile(p); err != nil {
		panic("emulator: AddTrustedProfile: " + err.Error())
	}
	cp := p
	cp.CRTokens = append([]string(nil), p.CRTokens...)
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, other := range e.profiles {
		if id != p.ID && other.Name == p.Name {
			panic(fmt.Sprintf("emulator: AddTrustedProfile: name %q is already used by %s", p.Name, id))
		}
	}
	e.profiles[p.ID] = &cp
}

func validateProfile(p TrustedProfile) error {
	switch {
	case !strings.HasPrefix(p.ID, profileIDPrefix) || len(p.ID) == len(profileIDPrefix):
		return fmt.Errorf("ID %q does not look like \"Profile-<uuid>\"", p.ID)
	case p.Name == "":
		return fmt.Errorf("profile %s has no name", p.ID)
	case strings.HasPrefix(p.Name, profileIDPrefix):
		return fmt.Errorf("name %q starts with %q, so clients would take it for an ID", p.Name, profileIDPrefix)
	}
	for _, tok := range p.CRTokens {
		if tok == "" {
			return fmt.Errorf("profile %s trusts an empty compute-resource token", p.ID)
		}
	}
	return nil
}

// TrustedProfileCRN returns the CRN of a trusted profile as IAM writes it,
// "crn:v1:bluemix:public:iam-identity::a/<account>::profile:<ID>". The emulator has no
// accounts: the VPC iam_token operation accepts any non-empty account in a profile CRN.
func TrustedProfileCRN(accountID, profileID string) string {
	return "crn:v1:bluemix:public:iam-identity::a/" + accountID + "::profile:" + profileID
}

// profileIDFromCRN extracts the profile ID of a trusted profile CRN, or "".
func profileIDFromCRN(crn string) string {
	f := strings.Split(crn, ":")
	if len(f) != 10 || f[0] != "crn" || f[1] != "v1" || f[2] != "bluemix" || f[3] != "public" ||
		f[4] != "iam-identity" || f[5] != "" || !strings.HasPrefix(f[6], "a/") || len(f[6]) == 2 ||
		f[7] != "" || f[8] != "profile" {
		return ""
	}
	return f[9]
}

// profileByName finds a profile by its exact name. Caller holds e.mu.
func (e *Emulator) profileByName(name string) *TrustedProfile {
	for _, p := range e.profiles {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// profilePrincipal is whom a profile's IAM tokens are issued to. Caller holds e.mu.
func (e *Emulator) profilePrincipal(p *TrustedProfile) principal {
	u, ok := e.usersByID[p.UserID]
	if !ok {
		u = user{ID: p.UserID, Username: p.Name}
	}
	return principal{user: u, profileID: p.ID, grantType: grantTypeCRToken}
}

// Error codes of the cr-token grant. IBM does not publish which BXNIM codes IAM answers
// these cases with, so they are the emulator's own (see respond.go): a client must not depend
// on them beyond "400 from IAM".
const (
	iamCodeProfileNotFound  = "EMULATOR-PROFILE-NOT-FOUND"
	iamCodeProfileMismatch  = "EMULATOR-PROFILE-MISMATCH"
	iamCodeCRTokenUntrusted = "EMULATOR-CR-TOKEN-NOT-TRUSTED"
)

const msgCRTokenUntrusted = "the compute-resource token is not trusted by the trusted profile"

// issueProfileIAMToken answers a checked cr-token grant. All failures are 400 with IAM's
// error shape, like an unknown API key (docs/protocol.md, "IAM errors" and "Trusted
// profiles"): an unknown profile_id or profile_name, both given but naming different profiles
// (ContainerAuthenticator: "they must map to the same profile"), or a cr_token the profile does
// not trust.
func (e *Emulator) issueProfileIAMToken(form url.Values) (iamTokenResponse, *iamReject) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var byID, byName *TrustedProfile
	if id := form.Get("profile_id"); id != "" {
		if byID = e.profiles[id]; byID == nil {
			return iamTokenResponse{}, &iamReject{http.StatusBadRequest, iamCodeProfileNotFound, fmt.Sprintf("trusted profile %q not found", id)}
		}
	}
	if name := form.Get("profile_name"); name != "" {
		if byName = e.profileByName(name); byName == nil {
			return iamTokenResponse{}, &iamReject{http.StatusBadRequest, iamCodeProfileNotFound, fmt.Sprintf("trusted profile named %q not found", name)}
		}
	}
	p := byID
	if p == nil {
		p = byName
	} else if byName != nil && byName != byID {
		return iamTokenResponse{}, &iamReject{http.StatusBadRequest, iamCodeProfileMismatch, "profile_id and profile_name name different trusted profiles"}
	}
	if !trusts(p, form.Get("cr_token")) {
		return iamTokenResponse{}, &iamReject{http.StatusBadRequest, iamCodeCRTokenUntrusted, msgCRTokenUntrusted}
	}
	return e.mintIAMToken(e.profilePrincipal(p), time.Now()), nil
}

func trusts(p *TrustedProfile, crToken string) bool {
	for _, t := range p.CRTokens {
		if t == crToken {
			return true
		}
	}
	return false
}
