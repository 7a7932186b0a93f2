package endpoint

import (
	"net/url"
	"strings"
)

// RemoteWritePath is the Prometheus remote-write route of the ingestion host
// (docs/protocol.md, "Prometheus remote write").
const RemoteWritePath = "/prometheus/remote/write"

// RemoteWriteURL is where Prometheus remote write goes for the instances
// behind a normalized Monitoring endpoint (docs/protocol.md, "Prometheus
// remote write"), or "" when there is no known place:
//   - a region's host: that region's ingestion host, private when the
//     endpoint is. IBM's table lists ten of the twelve regions; ca-mon and
//     in-che are given the same pattern, the plausible one, as the table
//     gives no exception to it.
//   - a loopback endpoint (the emulator, a tunnel): the same host, as the
//     emulator serves the route beside the API.
//   - any other host: "", as nothing says where its ingestion host is.
func RemoteWriteURL(normalized string) string {
	if host, ok := httpsHost(normalized); ok {
		private := strings.HasPrefix(host, "private.")
		region, ok := strings.CutSuffix(strings.TrimPrefix(host, "private."), ".monitoring.cloud.ibm.com")
		switch {
		case !ok || !IsRegion(region):
			return ""
		case private:
			return "https://ingest.prws.private." + region + ".monitoring.cloud.ibm.com" + RemoteWritePath
		default:
			return "https://ingest.prws." + region + ".monitoring.cloud.ibm.com" + RemoteWritePath
		}
	}
	u, err := url.Parse(normalized)
	if err != nil || u.User != nil || u.RawQuery != "" || (u.Path != "" && u.Path != "/") || !IsLoopback(u.Host) {
		return ""
	}
	return u.Scheme + "://" + u.Host + RemoteWritePath
}
