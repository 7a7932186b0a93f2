package endpoint

import "testing"

func TestIBMHosts(t *testing.T) {
	for _, tt := range []struct {
		url          string
		iam, monitor bool
	}{
		{"https://iam.cloud.ibm.com", true, false},
		{"https://private.iam.cloud.ibm.com", true, false},
		{"https://iam.test.cloud.ibm.com", true, false},
		{"https://IAM.cloud.ibm.com", true, false},
		{"https://us-south.monitoring.cloud.ibm.com", false, true},
		{"https://private.eu-de.monitoring.cloud.ibm.com", false, true},
		{"https://nowhere.monitoring.cloud.ibm.com", false, false},
		{"https://iam.cloud.ibm.com.evil.example", false, false},
		{"https://evil.example/iam.cloud.ibm.com", false, false},
		{"https://iam.cloud.ibm.com:8443", false, false},
		{"http://iam.cloud.ibm.com", false, false},
		{"https://user@iam.cloud.ibm.com", false, false},
		{"https://127.0.0.1:8443", false, false},
		{"", false, false},
	} {
		if got := IsIBMIAM(tt.url); got != tt.iam {
			t.Errorf("IsIBMIAM(%q) = %v, want %v", tt.url, got, tt.iam)
		}
		if got := IsIBMMonitoring(tt.url); got != tt.monitor {
			t.Errorf("IsIBMMonitoring(%q) = %v, want %v", tt.url, got, tt.monitor)
		}
	}
}
