package broker

import (
	"context"
	"testing"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// TestCredentialLabel: the label of each kind, as `profiles` shows it; for
// a trusted profile and a VSI identity it is also what credential reports
// at run time, so status and profiles cannot spell them apart.
func TestCredentialLabel(t *testing.T) {
	tests := []struct {
		name                     string
		credential, trusted, env string
		want                     string
	}{
		{"keyring api key", config.CredentialAPIKey, "", "", "api key in the keyring"},
		{"IBMCLOUD_API_KEY", config.CredentialAPIKey, "", "env-key", "IBMCLOUD_API_KEY"},
		{"IBMCLOUD_API_KEY=@file", config.CredentialAPIKey, "", "@/run/key", "IBMCLOUD_API_KEY"},
		{"IBMCLOUD_API_KEY wins over a trusted profile", config.CredentialTrustedProfile, "monitor-reader", "env-key", "IBMCLOUD_API_KEY"},
		{"trusted profile", config.CredentialTrustedProfile, "monitor-reader", "", "trusted profile monitor-reader"},
		{"trusted profile by id", config.CredentialTrustedProfile, "Profile-0123", "", "trusted profile Profile-0123"},
		{"VPC instance identity", config.CredentialVPC, "", "", "VPC instance identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := withEnvKey(target, tt.env)
			p.Credential, p.TrustedProfile = tt.credential, tt.trusted
			if got := CredentialLabel(p); got != tt.want {
				t.Errorf("CredentialLabel = %q, want %q", got, tt.want)
			}
			if k := p.CredentialKind(); k != profile.TrustedProfile && k != profile.VPCIdentity {
				return
			}
			b, _, _, _ := newBroker(t)
			if src, err := b.CredentialSource(context.Background(), p); err != nil || src != tt.want {
				t.Errorf("CredentialSource = %q, %v; want the label %q", src, err, tt.want)
			}
		})
	}
}
