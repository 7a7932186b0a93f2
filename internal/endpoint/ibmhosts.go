package endpoint

import (
	"net/url"
	"strings"
)

// IBM's own IAM hosts: public and private, production and staging
// (docs/protocol.md, "IAM endpoints"). The private staging host follows the
// production pattern.
var ibmIAMHosts = []string{
	"iam.cloud.ibm.com", "private.iam.cloud.ibm.com",
	"iam.test.cloud.ibm.com", "private.iam.test.cloud.ibm.com",
}

// IsIBMIAM reports whether a normalized IAM endpoint (NormalizeIAM) is one of
// IBM's IAM hosts over https on the default port.
func IsIBMIAM(normalized string) bool {
	host, ok := httpsHost(normalized)
	if !ok {
		return false
	}
	for _, h := range ibmIAMHosts {
		if host == h {
			return true
		}
	}
	return false
}

// IsIBMMonitoring reports whether a normalized Monitoring endpoint
// (NormalizeMonitoring) is a region's public or private host
// (docs/protocol.md, "Regions") over https on the default port.
func IsIBMMonitoring(normalized string) bool {
	host, ok := httpsHost(normalized)
	if !ok {
		return false
	}
	region, ok := strings.CutSuffix(strings.TrimPrefix(host, "private."), ".monitoring.cloud.ibm.com")
	return ok && IsRegion(region)
}

// httpsHost is the host of an https URL without userinfo, port, path or
// query, lower-cased.
func httpsHost(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", false
	}
	return strings.ToLower(u.Hostname()), true
}
