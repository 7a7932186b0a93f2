package profile

import (
	"fmt"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/endpoint"
)

// storedCredentialRefusal decides whether a profile that lives in the
// environment may use what this machine stores for a profile of its name:
// the API key login put in the keyring (and, under ibmcloud, the CLI's login
// session). The environment is the easiest thing for another program to
// set, so endpoints that only it names do not get them: the IAM endpoint
// receives the API key, the Monitoring endpoint the IAM token made from it.
// Each must be IBM's own, or the one the stored profile of that name was
// logged in with. nil means the stored credential may be used.
func (r Resolver) storedCredentialRefusal(p Profile) error {
	var stored *config.Settings
	// A config file that cannot be read holds no login to compare with;
	// IBM's own endpoints are still fine.
	if f, err := config.Load(p.ConfigFile); err == nil {
		if s, ok := f.Profiles[p.Name]; ok {
			stored = &s
		}
	}
	check := func(url, storedURL, setting string, ibm func(string) bool) error {
		if ibm(url) || stored != nil && url == storedURL {
			return nil
		}
		from := p.Origins[setting]
		if from == "" {
			from = EnvVar(setting)
		}
		return fmt.Errorf("the API key stored for profile %q is not sent to %s, which only %s names (not IBM's, nor the endpoint profile %q logged in with); set IBMCLOUD_API_KEY for it, or unset %s",
			p.Name, url, from, p.Name, from)
	}
	var iamStored, monStored string
	if stored != nil {
		iamStored, monStored = stored.IAMEndpoint, stored.Endpoint
	}
	if err := check(p.IAMEndpoint, iamStored, "iam-endpoint", endpoint.IsIBMIAM); err != nil {
		return err
	}
	return check(p.Endpoint, monStored, "endpoint", endpoint.IsIBMMonitoring)
}
