package endpoint

import "testing"

func TestRemoteWriteURL(t *testing.T) {
	for _, tt := range []struct{ endpoint, want string }{
		{"https://us-south.monitoring.cloud.ibm.com", "https://ingest.prws.us-south.monitoring.cloud.ibm.com/prometheus/remote/write"},
		{"https://private.eu-de.monitoring.cloud.ibm.com", "https://ingest.prws.private.eu-de.monitoring.cloud.ibm.com/prometheus/remote/write"},
		{"https://ca-mon.monitoring.cloud.ibm.com", "https://ingest.prws.ca-mon.monitoring.cloud.ibm.com/prometheus/remote/write"},
		{"https://127.0.0.1:8443", "https://127.0.0.1:8443/prometheus/remote/write"},
		{"http://[::1]:9000", "http://[::1]:9000/prometheus/remote/write"},
		{"http://localhost:9000", "http://localhost:9000/prometheus/remote/write"},
		{"https://nowhere.monitoring.cloud.ibm.com", ""},
		{"https://private.private.us-south.monitoring.cloud.ibm.com", ""},
		{"https://us-south.monitoring.cloud.ibm.com:8443", ""},
		{"https://monitor.example.com", ""},
		{"http://10.0.0.1:9000", ""},
		{"https://127.0.0.1:8443/sub", ""},
		{"", ""},
	} {
		if got := RemoteWriteURL(tt.endpoint); got != tt.want {
			t.Errorf("RemoteWriteURL(%q) = %q, want %q", tt.endpoint, got, tt.want)
		}
	}
}
