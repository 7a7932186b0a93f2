package endpoint

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRegions(t *testing.T) {
	want := []string{"us-south", "us-east", "eu-de", "eu-gb", "eu-es", "ca-mon",
		"ca-tor", "br-sao", "au-syd", "jp-tok", "jp-osa", "in-che"}
	if !slices.Equal(Regions, want) {
		t.Fatalf("Regions = %q, want %q", Regions, want)
	}
}

func TestMonitoringURL(t *testing.T) {
	tests := []struct {
		region  string
		private bool
		want    string
		wantErr string
	}{
		{"us-south", false, "https://us-south.monitoring.cloud.ibm.com", ""},
		{"us-south", true, "https://private.us-south.monitoring.cloud.ibm.com", ""},
		{"eu-de", false, "https://eu-de.monitoring.cloud.ibm.com", ""},
		{"in-che", true, "https://private.in-che.monitoring.cloud.ibm.com", ""},
		{" EU-GB ", false, "https://eu-gb.monitoring.cloud.ibm.com", ""},
		{"us-west", false, "", `region "us-west": unknown region; valid regions: us-south, us-east, eu-de, eu-gb, eu-es, ca-mon, ca-tor, br-sao, au-syd, jp-tok, jp-osa, in-che`},
		{"", false, "", `region "": unknown region; valid regions: us-south,`},
		{"us-south.monitoring.cloud.ibm.com", false, "", `region "us-south.monitoring.cloud.ibm.com": unknown region`},
	}
	for _, tt := range tests {
		got, err := MonitoringURL(tt.region, tt.private)
		checkResult(t, "MonitoringURL("+tt.region+")", got, err, tt.want, tt.wantErr)
	}
	for _, r := range Regions {
		if _, err := MonitoringURL(r, false); err != nil {
			t.Errorf("MonitoringURL(%q): %v", r, err)
		}
	}
}

func TestIAMURL(t *testing.T) {
	if got := IAMURL(false); got != "https://iam.cloud.ibm.com" {
		t.Errorf("IAMURL(false) = %q", got)
	}
	if got := IAMURL(true); got != "https://private.iam.cloud.ibm.com" {
		t.Errorf("IAMURL(true) = %q", got)
	}
}

// checkResult compares a (string, error) result: wantErr == "" means success is expected,
// otherwise the error message must start with wantErr and be one line.
func checkResult(t *testing.T, call, got string, err error, want, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Errorf("%s: unexpected error: %v", call, err)
		} else if got != want {
			t.Errorf("%s = %q, want %q", call, got, want)
		}
		return
	}
	if err == nil {
		t.Errorf("%s = %q, want error %q", call, got, wantErr)
		return
	}
	if got != "" {
		t.Errorf("%s returned %q along with an error", call, got)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, wantErr) {
		t.Errorf("%s error:\n got %s\nwant %s...", call, msg, wantErr)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("%s error is not one line: %q", call, msg)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s error is %T, want *Error", call, err)
	}
}

const guid = "0123abcd-4567-89ab-cdef-0123456789ab"

func TestParseCRN(t *testing.T) {
	tests := []struct {
		in      string
		want    CRN
		wantErr string
	}{
		{
			in:   "crn:v1:bluemix:public:sysdig-monitor:us-south:a/1a2b3c4d5e6f:" + guid + "::",
			want: CRN{ServiceName: "sysdig-monitor", Region: "us-south", AccountID: "1a2b3c4d5e6f", InstanceGUID: guid},
		},
		{
			in:   "  crn:v1:bluemix:public:sysdig-monitor:eu-de:a/acct:" + guid + "::\n",
			want: CRN{ServiceName: "sysdig-monitor", Region: "eu-de", AccountID: "acct", InstanceGUID: guid},
		},
		{
			// Upper case GUID and region are lower-cased; private cloud types are accepted.
			in:   "CRN:V1:bluemix:private:SYSDIG-MONITOR:JP-TOK:a/acct:" + strings.ToUpper(guid) + "::",
			want: CRN{ServiceName: "sysdig-monitor", Region: "jp-tok", AccountID: "acct", InstanceGUID: guid},
		},
		{
			// A sub-resource CRN still names the instance in field 8.
			in:   "crn:v1:bluemix:public:sysdig-monitor:us-east:a/acct:" + guid + ":team:123",
			want: CRN{ServiceName: "sysdig-monitor", Region: "us-east", AccountID: "acct", InstanceGUID: guid},
		},
		{in: "", wantErr: `CRN "": is empty`},
		{in: guid, wantErr: `CRN "` + guid + `": does not start with "crn:"`},
		{in: "crn:v1:bluemix:public:logdna:us-south:a/acct:" + guid + "::",
			wantErr: `CRN "crn:v1:bluemix:public:logdna:us-south:a/acct:` + guid + `::": is for service "logdna", not "sysdig-monitor"`},
		{in: "crn:v1:bluemix:public::us-south:a/acct:" + guid + "::", wantErr: `CRN "crn:v1:bluemix:public::us-south:a/acct:` + guid + `::": has no service name`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:" + guid + ":", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:` + guid + `:": has 9 fields separated by ":", a CRN has 10`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct": has 7 fields`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:" + guid + ":::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:` + guid + `:::": has 11 fields`},
		{in: "crn:v2:bluemix:public:sysdig-monitor:us-south:a/acct:" + guid + "::", wantErr: `CRN "crn:v2:bluemix:public:sysdig-monitor:us-south:a/acct:` + guid + `::": has version "v2"`},
		{in: "crn:v1::public:sysdig-monitor:us-south:a/acct:" + guid + "::", wantErr: `CRN "crn:v1::public:sysdig-monitor:us-south:a/acct:` + guid + `::": has an empty cloud name`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-west:a/acct:" + guid + "::",
			wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-west:a/acct:` + guid + `::": has unknown region "us-west" (field 6); valid regions: us-south, us-east,`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:global:a/acct:" + guid + "::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:global:a/acct:` + guid + `::": has unknown region "global"`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:o/acct:" + guid + "::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:o/acct:` + guid + `::": has scope "o/acct" (field 7)`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/:" + guid + "::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/:` + guid + `::": has scope "a/" (field 7)`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/ac/ct:" + guid + "::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/ac/ct:` + guid + `::": has scope`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:not-a-guid::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:not-a-guid::": has instance "not-a-guid" (field 8), expected a GUID (8-4-4-4-12 hex digits)`},
		{in: "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:::", wantErr: `CRN "crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct:::": has instance "" (field 8)`},
	}
	for _, tt := range tests {
		got, err := ParseCRN(tt.in)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("ParseCRN(%q): unexpected error: %v", tt.in, err)
			} else if got != tt.want {
				t.Errorf("ParseCRN(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseCRN(%q) = %+v, want error %q", tt.in, got, tt.wantErr)
			continue
		}
		if got != (CRN{}) {
			t.Errorf("ParseCRN(%q) returned %+v along with an error", tt.in, got)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, tt.wantErr) || strings.Contains(msg, "\n") {
			t.Errorf("ParseCRN(%q) error:\n got %s\nwant %s...", tt.in, msg, tt.wantErr)
		}
	}
}

func TestIsGUID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{guid, true},
		{strings.ToUpper(guid), true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"", false},
		{"0123abcd-4567-89ab-cdef-0123456789a", false},     // 35
		{"0123abcd-4567-89ab-cdef-0123456789abc", false},   // 37
		{"0123abcd04567-89ab-cdef-0123456789ab", false},    // '0' where '-' belongs
		{"0123abcg-4567-89ab-cdef-0123456789ab", false},    // 'g'
		{"0123abcd-4567-89ab-cdef-0123456789a-", false},    // '-' where hex belongs
		{"{0123abcd-4567-89ab-cdef-0123456789a}", false},   // braces
		{"0123abcd4567-89ab-cdef-0123-456789ab", false},    // dashes in the wrong places
		{"0123abcd-4567-89ab-cdef-0123456789aß", false},    // non-ASCII, 37 bytes
		{"0123abcd-4567-89ab-cdef-012345678\u00e9", false}, // non-ASCII, 36 bytes
	}
	for _, tt := range tests {
		if got := IsGUID(tt.in); got != tt.want {
			t.Errorf("IsGUID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeMonitoring(t *testing.T) {
	const host = "https://us-south.monitoring.cloud.ibm.com"
	const shape = "expected https://<host>, optionally followed by /api"
	tests := []struct {
		in, want, wantErr string
	}{
		{host, host, ""},
		{host + "/", host, ""},
		{host + "/api", host, ""},
		{host + "/api/", host, ""},
		{"  " + host + "/api\n", host, ""},
		{"https://US-South.Monitoring.Cloud.IBM.com/api", host, ""},
		{"HTTPS://us-south.monitoring.cloud.ibm.com", host, ""},
		{"https://us-south.monitoring.cloud.ibm.com:443/api", host, ""},
		{"https://us-south.monitoring.cloud.ibm.com:8443/api/", "https://us-south.monitoring.cloud.ibm.com:8443", ""},
		{"https://us-south.monitoring.cloud.ibm.com:08443", "https://us-south.monitoring.cloud.ibm.com:8443", ""},
		{"https://private.eu-de.monitoring.cloud.ibm.com", "https://private.eu-de.monitoring.cloud.ibm.com", ""},
		{"https://monitoring.example.com.", "https://monitoring.example.com.", ""},
		{"https://my_host.internal", "https://my_host.internal", ""},
		{"https://10.0.0.1:9443", "https://10.0.0.1:9443", ""},
		{"https://[2001:DB8::1]/api", "https://[2001:db8::1]", ""},
		// Loopback over plain http: the test emulator.
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://127.0.0.1:8080/api", "http://127.0.0.1:8080", ""},
		{"http://127.0.0.2:9000/", "http://127.0.0.2:9000", ""},
		{"http://localhost:8080/api/", "http://localhost:8080", ""},
		{"http://LOCALHOST", "http://localhost", ""},
		{"http://localhost:80", "http://localhost", ""},
		{"http://[::1]:8080/api", "http://[::1]:8080", ""},
		{"http://[0:0:0:0:0:0:0:1]", "http://[::1]", ""},
		{"https://localhost:8443", "https://localhost:8443", ""},
		{"https://[::ffff:127.0.0.1]:1", "https://[::ffff:127.0.0.1]:1", ""},

		{"", "", `endpoint "": is empty; ` + shape},
		{"   ", "", `endpoint "   ": is empty`},
		{"http://example.com", "", `endpoint "http://example.com": plain http is only allowed for loopback addresses; use https://`},
		{"http://10.0.0.1", "", `endpoint "http://10.0.0.1": plain http is only allowed for loopback addresses; use https://`},
		{"http://10.0.0.1:8080/api", "", `endpoint "http://10.0.0.1:8080/api": plain http is only allowed for loopback`},
		{"http://localhost.example.com", "", `endpoint "http://localhost.example.com": plain http is only allowed`},
		{"http://127.1", "", `endpoint "http://127.1": plain http is only allowed`},
		{"http://[::2]", "", `endpoint "http://[::2]": plain http is only allowed`},
		{"https://", "", `endpoint "https://": has no host; ` + shape},
		{"https:///api", "", `endpoint "https:///api": has no host`},
		{"https://:8443", "", `endpoint "https://:8443": has no host`},
		{"us-south.monitoring.cloud.ibm.com", "", `endpoint "us-south.monitoring.cloud.ibm.com": has no scheme; ` + shape},
		{"localhost:8080", "", `endpoint "localhost:8080": has scheme "localhost"`},
		{"ftp://example.com", "", `endpoint "ftp://example.com": has scheme "ftp"; ` + shape},
		{"https:example.com", "", `endpoint "https:example.com": is not of the form scheme://host`},
		{"https:/example.com", "", `endpoint "https:/example.com": is not of the form scheme://host`},
		{host + "/api/token", "", `endpoint "` + host + `/api/token": has path "/api/token"; ` + shape},
		{host + "/api/api", "", `endpoint "` + host + `/api/api": has path "/api/api"`},
		{host + "//api", "", `endpoint "` + host + `//api": has path "//api"`},
		{host + "/API", "", `endpoint "` + host + `/API": has path "/API"`},
		{host + "/%61pi", "", `endpoint "` + host + `/%61pi": has path "/%61pi"`},
		{host + "/prometheus", "", `endpoint "` + host + `/prometheus": has path`},
		{host + "?x=1", "", `endpoint "` + host + `?x=1": must not contain a query`},
		{host + "/api?", "", `endpoint "` + host + `/api?": must not contain a query`},
		{host + "#frag", "", `endpoint "` + host + `#frag": must not contain a fragment`},
		{host + "/#", "", `endpoint "` + host + `/#": must not contain a fragment`},
		{"https://user@example.com", "", `endpoint "https://user@example.com": must not contain a user name or password`},
		{"https://user:hunter2@example.com/api", "", `endpoint "https://user:xxxxx@example.com/api": must not contain a user name or password`},
		{"https://exa mple.com", "", `endpoint "https://exa mple.com": contains a space, a control character or a non-ASCII character`},
		{"https://bücher.example", "", `endpoint "https://bücher.example": contains a space`},
		{"https://example.com\x00", "", `endpoint "https://example.com\x00": contains a space`},
		{"https://example.com:", "", `endpoint "https://example.com:": has an empty port after ":"`},
		{"https://example.com:0", "", `endpoint "https://example.com:0": has port "0", expected 1 to 65535`},
		{"https://example.com:65536", "", `endpoint "https://example.com:65536": has port "65536"`},
		{"https://example.com:99999999999999999999", "", `endpoint "https://example.com:99999999999999999999": has port`},
		{"https://example.com:x", "", `endpoint "https://example.com:x": is not a valid URL (invalid port ":x" after host)`},
		{"https://exa%41mple.com", "", `endpoint "https://exa%41mple.com": is not a valid URL (invalid URL escape "%41")`},
		{"https://a..b", "", `endpoint "https://a..b": has an invalid host name`},
		{"https://.", "", `endpoint "https://.": has an invalid host name`},
		{"https://exa!mple.com", "", `endpoint "https://exa!mple.com": has an invalid host name`},
		{"https://[::1%25lo]", "", `endpoint "https://[::1%25lo]": has an IPv6 zone`},
		{"https://[127.0.0.1]", "", `endpoint "https://[127.0.0.1]": is not a valid URL (invalid IP-literal)`},
		{"https://[example.com]", "", `endpoint "https://[example.com]": is not a valid URL (invalid host`},
		{"https://" + strings.Repeat("a", 200) + ".com", "", `endpoint "https://` + strings.Repeat("a", 112) + `...": has an invalid host name`},
	}
	for _, tt := range tests {
		got, err := NormalizeMonitoring(tt.in)
		checkResult(t, "NormalizeMonitoring("+tt.in+")", got, err, tt.want, tt.wantErr)
		if err == nil {
			again, err := NormalizeMonitoring(got)
			if err != nil || again != got {
				t.Errorf("NormalizeMonitoring(%q) = %q, %v; not idempotent", got, again, err)
			}
			if strings.Count(got, "/") != 2 || strings.HasSuffix(got, "/api") {
				t.Errorf("NormalizeMonitoring(%q) = %q still has a path", tt.in, got)
			}
		}
	}
}

func TestNormalizeMonitoringNeverLeaksPassword(t *testing.T) {
	for _, in := range []string{"https://u:s3cr3t@host", "http://u:s3cr3t@10.0.0.1/api", "https://u:s3cr3t@host/api/token?x#y",
		"https://u:s3cr3t@host:x", "https://u:s3cr3t@a@host", "https://u:s3cr3t@host:0", "https://u:s3cr3t@ho st", "u:s3cr3t@host"} {
		_, err := NormalizeMonitoring(in)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("NormalizeMonitoring(%q) error = %v; want an error without the password", in, err)
		}
	}
}

func TestNormalizeIAM(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{"https://iam.cloud.ibm.com", DefaultIAM, ""},
		{"https://iam.cloud.ibm.com/", DefaultIAM, ""},
		{"https://iam.cloud.ibm.com/identity/token", DefaultIAM, ""},
		{"https://iam.cloud.ibm.com/identity/token/", DefaultIAM, ""},
		{"https://IAM.Cloud.IBM.com:443/identity/token", DefaultIAM, ""},
		{"https://private.iam.cloud.ibm.com", PrivateIAM, ""},
		{"https://iam.test.cloud.ibm.com", "https://iam.test.cloud.ibm.com", ""},
		{"http://127.0.0.1:4010/identity/token", "http://127.0.0.1:4010", ""},
		{"http://[::1]:4010", "http://[::1]:4010", ""},
		{"http://localhost:4010/", "http://localhost:4010", ""},

		{"", "", `IAM endpoint "": is empty; expected https://<host>, optionally followed by /identity/token`},
		{"http://iam.cloud.ibm.com", "", `IAM endpoint "http://iam.cloud.ibm.com": plain http is only allowed for loopback addresses; use https://`},
		{"http://10.0.0.1/identity/token", "", `IAM endpoint "http://10.0.0.1/identity/token": plain http is only allowed`},
		{"https://iam.cloud.ibm.com/identity", "", `IAM endpoint "https://iam.cloud.ibm.com/identity": has path "/identity"; expected https://<host>, optionally followed by /identity/token`},
		{"https://iam.cloud.ibm.com/api", "", `IAM endpoint "https://iam.cloud.ibm.com/api": has path "/api"`},
		{"https://iam.cloud.ibm.com/identity/token?grant_type=x", "", `IAM endpoint "https://iam.cloud.ibm.com/identity/token?grant_type=x": must not contain a query`},
		{"https://k:v@iam.cloud.ibm.com", "", `IAM endpoint "https://k:xxxxx@iam.cloud.ibm.com": must not contain a user name or password`},
		{"https://", "", `IAM endpoint "https://": has no host`},
	}
	for _, tt := range tests {
		got, err := NormalizeIAM(tt.in)
		checkResult(t, "NormalizeIAM("+tt.in+")", got, err, tt.want, tt.wantErr)
		if err == nil {
			if again, err := NormalizeIAM(got); err != nil || again != got {
				t.Errorf("NormalizeIAM(%q) = %q, %v; not idempotent", got, again, err)
			}
		}
	}
}

// TestPlainHTTPLoopbackSpellings: plain http is accepted for exactly the
// spellings IsLoopback names; every other way of writing a loopback address
// is refused like any other plain-http endpoint (Go's proxy logic, and a
// proxy's resolver, do not all treat them as local), and stays a valid
// https endpoint where it is a valid host.
func TestPlainHTTPLoopbackSpellings(t *testing.T) {
	const refused = "plain http is only allowed for loopback addresses; use https://"
	tests := []struct {
		in, want string // want "" means refused as plain http
	}{
		{"http://localhost:8080", "http://localhost:8080"},
		{"http://LocalHost:8080", "http://localhost:8080"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://127.45.6.7:8080", "http://127.45.6.7:8080"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"},

		{"http://localhost.:8080", ""},
		{"http://localhost.", ""},
		{"http://127.0.0.1.:8080", ""},
		{"http://127.0.0.1.", ""},
		{"http://127.1", ""},
		{"http://0x7f000001", ""},
		{"http://2130706433", ""},
		{"http://0", ""},
		{"http://0.0.0.0:8080", ""},
		{"http://foo.localhost:8080", ""},
		{"http://[::ffff:127.0.0.1]:8080", ""},
		{"http://[::ffff:7f00:1]:8080", ""},

		{"https://localhost.:8080", "https://localhost.:8080"},
		{"https://127.0.0.1.:8443", "https://127.0.0.1.:8443"},
	}
	for _, tt := range tests {
		for _, norm := range []struct {
			kind string
			f    func(string) (string, error)
		}{{"endpoint", NormalizeMonitoring}, {"IAM endpoint", NormalizeIAM}, {"IAM endpoint", NormalizeMetadata}} {
			got, err := norm.f(tt.in)
			if tt.want == "" {
				checkResult(t, norm.kind+"("+tt.in+")", got, err, "", norm.kind+` "`+tt.in+`": `+refused)
			} else {
				checkResult(t, norm.kind+"("+tt.in+")", got, err, tt.want, "")
			}
		}
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"localhost:8080", true},
		{"127.0.0.1", true},
		{"127.0.0.2", true},
		{"127.255.255.254:65535", true},
		{"::1", true},
		{"[::1]", true},
		{"[::1]:8080", true},
		{"[0:0:0:0:0:0:0:1]:1", true},

		{"", false},
		{"example.com", false},
		{"localhost.example.com", false},
		{"mylocalhost", false},
		{"128.0.0.1", false},
		{"10.0.0.1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"::2", false},
		{"127.1", false},
		{"localhost.", false},
		{"LOCALHOST.:8080", false},
		{"127.0.0.1.", false},
		{"0x7f000001", false},
		{"2130706433", false},
		{"0", false},
		{"127.000.000.001", false},
		{"::ffff:127.0.0.1", false},
		{"[::ffff:7f00:1]", false},
		{"::1%lo", false},
		{"[::1%25lo]", false},
		{"sub.localhost", false},
		{"127.0.0.1:", false},
		{"127.0.0.1:port", false},
		{"localhost:1234567", false},
		{"[::1", false},
		{"[::1]x", false},
		{"[::1]:", false},
		{"[127.0.0.1]x", false},
	}
	for _, tt := range tests {
		if got := IsLoopback(tt.in); got != tt.want {
			t.Errorf("IsLoopback(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseCRN(f *testing.F) {
	f.Add("crn:v1:bluemix:public:sysdig-monitor:us-south:a/1a2b3c:" + guid + "::")
	f.Add("crn:v1:bluemix:public:sysdig-monitor:us-south:a/acct")
	f.Add("crn:v1:bluemix:public:logdna:eu-de:a/acct:" + guid + "::")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCRN(s)
		if err != nil {
			if c != (CRN{}) {
				t.Fatalf("ParseCRN(%q) returned %+v with error %v", s, c, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ParseCRN(%q) error is not one line: %q", s, err)
			}
			return
		}
		if c.ServiceName != "sysdig-monitor" || !IsRegion(c.Region) || !IsGUID(c.InstanceGUID) ||
			c.InstanceGUID != strings.ToLower(c.InstanceGUID) || c.AccountID == "" {
			t.Fatalf("ParseCRN(%q) = %+v: violates the result invariants", s, c)
		}
		// The parsed parts rebuild a CRN that parses to the same result.
		rebuilt := "crn:v1:bluemix:public:sysdig-monitor:" + c.Region + ":a/" + c.AccountID + ":" + c.InstanceGUID + "::"
		if c2, err := ParseCRN(rebuilt); err != nil || c2 != c {
			t.Fatalf("ParseCRN(%q) = %+v, %v; want %+v", rebuilt, c2, err, c)
		}
	})
}

func FuzzNormalizeMonitoring(f *testing.F) {
	f.Add("https://us-south.monitoring.cloud.ibm.com/api/")
	f.Add("http://[::1]:8080/api")
	f.Add("http://10.0.0.1")
	f.Fuzz(func(t *testing.T, s string) {
		for _, norm := range []func(string) (string, error){NormalizeMonitoring, NormalizeIAM} {
			got, err := norm(s)
			if err != nil {
				if got != "" {
					t.Fatalf("normalize(%q) returned %q with error %v", s, got, err)
				}
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("normalize(%q) error is not one line: %q", s, err)
				}
				continue
			}
			// No path at all, so no trailing "/api": "scheme://" is followed by host[:port] only.
			// (A host named "api" gives "https://api", which ends in "api" but has no path; the
			// seed HTTPS://Api keeps that case covered.)
			_, hostport, _ := strings.Cut(got, "://")
			if hostport == "" || strings.ContainsAny(hostport, "/?#@") || strings.HasSuffix(got, "/api") && hostport != "api" {
				t.Fatalf("normalize(%q) = %q: not a bare scheme://host", s, got)
			}
			if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") {
				t.Fatalf("normalize(%q) = %q: unexpected scheme", s, got)
			}
			if strings.HasPrefix(got, "http://") && !IsLoopback(strings.TrimPrefix(got, "http://")) {
				t.Fatalf("normalize(%q) = %q: plain http to a non-loopback host", s, got)
			}
			if again, err := norm(got); err != nil || again != got {
				t.Fatalf("normalize(%q) = %q, but normalize(%q) = %q, %v", s, got, got, again, err)
			}
			for _, suffix := range []string{"/", "/api", "/api/"} {
				if again, err := NormalizeMonitoring(got + suffix); err != nil || again != got {
					t.Fatalf("NormalizeMonitoring(%q) = %q, %v; want %q", got+suffix, again, err, got)
				}
			}
		}
	})
}
