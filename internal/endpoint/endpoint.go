// Package endpoint turns what a user typed (a region, an instance CRN, a URL) into the base URLs
// of IBM Cloud Monitoring and IBM Cloud IAM, and enforces the rule that credentials only travel
// over https (plain http is allowed for loopback addresses only, so tests can use a local
// emulator).
//
// Every base URL this package returns is scheme://host[:port] with a lower-case host and no path:
// callers append "/api/token" or "/identity/token" themselves and can never build
// "/api/api/token" (docs/protocol.md, "Monitor API token").
package endpoint

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DefaultIAM is the public IAM endpoint, PrivateIAM the one reachable from IBM Cloud private
// networks (VPC, service endpoints enabled). docs/protocol.md, "IAM endpoints".
const (
	DefaultIAM = "https://iam.cloud.ibm.com"
	PrivateIAM = "https://private.iam.cloud.ibm.com"
)

// regions is the authoritative list (docs/protocol.md, "Regions", in that table's order). Lookups
// use this unexported copy so that a caller modifying Regions cannot change what is accepted.
var regions = [...]string{
	"us-south", "us-east", "eu-de", "eu-gb", "eu-es", "ca-mon",
	"ca-tor", "br-sao", "au-syd", "jp-tok", "jp-osa", "in-che",
}

// Regions lists the IBM Cloud Monitoring region ids, in the order of docs/protocol.md, "Regions".
var Regions = slices.Clone(regions[:])

// maxShown caps how much of an input an error message repeats, so that a pasted blob cannot
// flood the terminal.
const maxShown = 120

// Error reports an input this package rejected. Its message is one line:
// `<Kind> "<Input>": <Reason>`.
type Error struct {
	Kind   string // what the input was meant to be: "region", "CRN", "endpoint", "IAM endpoint"
	Input  string // the input as shown in the message: any URL password replaced by "xxxxx", cut to 120 bytes
	Reason string // what is wrong and what is accepted, without repeating the input
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Kind, e.Input, e.Reason)
}

func newError(kind, input, reason string) *Error {
	if len(input) > maxShown {
		input = input[:maxShown] + "..."
	}
	return &Error{Kind: kind, Input: input, Reason: reason}
}

// validRegionsText is the hint appended to every unknown-region error.
func validRegionsText() string {
	return "valid regions: " + strings.Join(regions[:], ", ")
}

// IsRegion reports whether s is one of the region ids of docs/protocol.md, "Regions" (exact,
// lower-case).
func IsRegion(s string) bool {
	return slices.Contains(regions[:], s)
}

// MonitoringURL returns the Monitoring base URL of a region, e.g.
// "https://us-south.monitoring.cloud.ibm.com", or with private set
// "https://private.us-south.monitoring.cloud.ibm.com" (docs/protocol.md, "Regions"). The region
// is matched case-insensitively after trimming spaces.
func MonitoringURL(region string, private bool) (string, error) {
	r := strings.ToLower(strings.TrimSpace(region))
	if !IsRegion(r) {
		return "", newError("region", region, "unknown region; "+validRegionsText())
	}
	if private {
		return "https://private." + r + ".monitoring.cloud.ibm.com", nil
	}
	return "https://" + r + ".monitoring.cloud.ibm.com", nil
}

// IAMURL returns the IAM base URL: PrivateIAM when private, else DefaultIAM. Private Monitoring
// endpoints go with the private IAM endpoint (docs/protocol.md, "Regions").
func IAMURL(private bool) string {
	if private {
		return PrivateIAM
	}
	return DefaultIAM
}

// CRN is the part of an IBM Cloud Monitoring instance CRN that monitor-token needs.
type CRN struct {
	ServiceName  string // always "sysdig-monitor"
	Region       string // one of Regions, lower-case
	AccountID    string // the id after "a/"
	InstanceGUID string // lower-case 8-4-4-4-12 hex; what goes in the IBMInstanceID header
}

const crnShape = "crn:v1:bluemix:public:sysdig-monitor:<region>:a/<account id>:<instance GUID>::"

// ParseCRN parses an IBM Cloud Monitoring instance CRN such as
// "crn:v1:bluemix:public:sysdig-monitor:us-south:a/<account>:<guid>::" (docs/protocol.md,
// "Instance CRN": the region is the 6th field, the instance GUID the 8th).
//
// It rejects CRNs of other services, a field count other than 10, a scope other than
// "a/<account>", a malformed GUID, and regions not in Regions: an instance in an unknown region
// has no endpoint this program knows, so failing here beats failing later with a DNS error. The
// last two fields (resource type and resource) are ignored: a CRN of a sub-resource of an instance
// still names the instance in field 8. Case is not significant; the GUID and region are returned
// lower-case.
func ParseCRN(s string) (CRN, error) {
	in := strings.TrimSpace(s)
	fail := func(reason string) (CRN, error) {
		return CRN{}, newError("CRN", s, reason)
	}
	if in == "" {
		return fail("is empty; expected " + crnShape)
	}
	f := strings.Split(in, ":")
	if !strings.EqualFold(f[0], "crn") {
		return fail("does not start with \"crn:\"; expected " + crnShape)
	}
	if len(f) != 10 {
		return fail(fmt.Sprintf("has %d fields separated by \":\", a CRN has 10; expected %s", len(f), crnShape))
	}
	if !strings.EqualFold(f[1], "v1") {
		return fail(fmt.Sprintf("has version %q, only \"v1\" is known; expected %s", f[1], crnShape))
	}
	if f[2] == "" || f[3] == "" {
		return fail("has an empty cloud name or cloud type (fields 3 and 4); expected " + crnShape)
	}
	if !strings.EqualFold(f[4], "sysdig-monitor") {
		if f[4] == "" {
			return fail("has no service name (field 5); expected an IBM Cloud Monitoring instance CRN: " + crnShape)
		}
		return fail(fmt.Sprintf("is for service %q, not \"sysdig-monitor\" (IBM Cloud Monitoring); expected %s", f[4], crnShape))
	}
	region := strings.ToLower(f[5])
	if !IsRegion(region) {
		return fail(fmt.Sprintf("has unknown region %q (field 6); %s", f[5], validRegionsText()))
	}
	acct, ok := strings.CutPrefix(f[6], "a/")
	if !ok || acct == "" || !isAlnum(acct) {
		return fail(fmt.Sprintf("has scope %q (field 7), expected \"a/<account id>\" with a letters-and-digits account id", f[6]))
	}
	if !IsGUID(f[7]) {
		return fail(fmt.Sprintf("has instance %q (field 8), expected a GUID (8-4-4-4-12 hex digits)", f[7]))
	}
	return CRN{
		ServiceName:  "sysdig-monitor",
		Region:       region,
		AccountID:    acct,
		InstanceGUID: strings.ToLower(f[7]),
	}, nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// IsGUID reports whether s has the 8-4-4-4-12 hex-digit form of an instance GUID (either case).
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// NormalizeMonitoring checks a Monitoring endpoint URL and returns its base, scheme://host[:port].
// IBM's endpoint tables end in "/api" and their examples append "/api/token" to that
// (docs/protocol.md, "Monitor API token"), so "https://host", "https://host/",
// "https://host/api" and "https://host/api/" all give "https://host". The host is lower-cased, a
// default port (443 for https, 80 for http) is dropped and IP addresses are written canonically,
// so the result is stable: normalizing it again returns it unchanged.
//
// Rejected: any other path, a query, a fragment, user info, a scheme other than https (http is
// accepted only when the host is one of IsLoopback's spellings), a missing host, and hosts
// with characters outside letters, digits, ".", "-" and "_" (write internationalized names in
// punycode).
func NormalizeMonitoring(raw string) (string, error) {
	return normalize("endpoint", raw, "https://<host>, optionally followed by /api", "/api", "/api/")
}

// NormalizeIAM checks an IAM endpoint URL and returns its base, scheme://host[:port]. Like
// go-sdk-core (docs/protocol.md, "IAM endpoints") it accepts the base with or without
// "/identity/token", and with or without a trailing "/". The https, loopback and host rules are
// those of NormalizeMonitoring.
func NormalizeIAM(raw string) (string, error) {
	return normalize("IAM endpoint", raw, "https://<host>, optionally followed by /identity/token", "/identity/token", "/identity/token/")
}

// normalize implements NormalizeMonitoring and NormalizeIAM; besides "" and "/", the paths in
// okPaths are accepted and dropped.
func normalize(kind, raw, shape string, okPaths ...string) (string, error) {
	s := strings.TrimSpace(raw)
	fail := func(reason string) (string, error) {
		// Redact before the input is repeated in a message: a password must not reach a log.
		return "", newError(kind, redactUserinfo(raw), reason)
	}
	if s == "" {
		return fail("is empty; expected " + shape)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return fail("contains a space, a control character or a non-ASCII character; expected " + shape +
				" (write internationalized host names in punycode, xn--...)")
		}
	}
	if strings.Contains(s, "#") {
		return fail("must not contain a fragment (#...); expected " + shape)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse wraps its reason in a *url.Error that repeats the input; keep the reason only.
		var reason = err.Error()
		if ue, ok := err.(*url.Error); ok {
			reason = ue.Err.Error()
		}
		return fail("is not a valid URL (" + reason + "); expected " + shape)
	}
	if u.User != nil {
		return fail("must not contain a user name or password; expected " + shape)
	}
	if u.Scheme == "" {
		return fail("has no scheme; expected " + shape)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fail(fmt.Sprintf("has scheme %q; expected %s", u.Scheme, shape))
	}
	if u.Opaque != "" || !strings.HasPrefix(s[len(u.Scheme)+1:], "//") {
		return fail("is not of the form scheme://host; expected " + shape)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return fail("must not contain a query (?...); expected " + shape)
	}
	if p := u.EscapedPath(); p != "" && p != "/" && !slices.Contains(okPaths, p) {
		return fail(fmt.Sprintf("has path %q; expected %s", p, shape))
	}
	host, err := canonicalHost(u)
	if err != nil {
		return fail(err.Error() + "; expected " + shape)
	}
	if u.Scheme == "http" && !IsLoopback(host) {
		return fail("plain http is only allowed for loopback addresses; use https://")
	}
	return u.Scheme + "://" + host, nil
}

// redactUserinfo replaces the password of a URL-like string by "xxxxx", like url.URL.Redacted
// but without needing the string to parse: it is applied to every input that an error repeats.
func redactUserinfo(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	at += start
	if k := strings.IndexByte(s[start:at], ':'); k >= 0 {
		return s[:start+k] + ":xxxxx" + s[at:]
	}
	return s
}

// canonicalHost returns u's host[:port] in canonical form: lower-case name or canonical IP
// (IPv6 in brackets), port without leading zeros, default port dropped.
func canonicalHost(u *url.URL) (string, error) {
	name := u.Hostname()
	if name == "" {
		return "", fmt.Errorf("has no host")
	}
	bracketed := strings.HasPrefix(u.Host, "[")
	var h string
	if addr, err := netip.ParseAddr(name); err == nil {
		if addr.Zone() != "" {
			return "", fmt.Errorf("has an IPv6 zone (%%...), which is not supported")
		}
		if addr.Is6() != bracketed {
			return "", fmt.Errorf("has a malformed host")
		}
		h = addr.String()
	} else {
		if bracketed {
			return "", fmt.Errorf("has a malformed IPv6 address in brackets")
		}
		h = strings.ToLower(name)
		if !validHostName(h) {
			return "", fmt.Errorf("has an invalid host name (letters, digits, \".\", \"-\" and \"_\" only; no empty labels)")
		}
	}
	port := u.Port()
	if port == "" && strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("has an empty port after \":\"")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("has port %q, expected 1 to 65535", port)
		}
		if u.Scheme == "https" && n == 443 || u.Scheme == "http" && n == 80 {
			port = ""
		} else {
			port = strconv.Itoa(n)
		}
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if port != "" {
		h += ":" + port
	}
	return h, nil
}

// validHostName accepts lower-case DNS-like names: letters, digits, "-", "_" and ".", at most
// 253 bytes, no empty label except that a single trailing dot (a fully qualified name) is allowed.
func validHostName(h string) bool {
	if len(h) > 253 {
		return false
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// IsLoopback is the one rule for which hosts may be reached over plain http: exactly "localhost"
// (any case), an IPv4 address in 127.0.0.0/8 written as a canonical dotted quad, or the IPv6
// address ::1 (without a zone). host may carry a port ("127.0.0.1:8080") and IPv6 brackets
// ("[::1]:8080"). Every other spelling of a local address is refused, the fully qualified
// "localhost." and "127.0.0.1." included: Go's proxy logic (golang.org/x/net/http/httpproxy,
// which net/http uses) exempts only "localhost" and loopback IP literals, so those spellings
// would go through HTTP_PROXY, and neither a shorthand ("127.1") nor an IPv4-mapped address
// is a literal every resolver and proxy agrees on. Names are not resolved: a name that merely
// resolves to 127.0.0.1 is not trusted with plain http.
func IsLoopback(host string) bool {
	h := host
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		rest := h[end+1:]
		h = h[1:end]
		if rest != "" && !isPortSuffix(rest) {
			return false
		}
	} else if strings.Count(h, ":") == 1 {
		i := strings.IndexByte(h, ':')
		if !isPortSuffix(h[i:]) {
			return false
		}
		h = h[:i]
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(h)
	if err != nil || addr.Zone() != "" {
		return false
	}
	if addr.Is4() {
		// netip accepts only the canonical dotted quad: no shorthand, no leading zeros.
		return addr.IsLoopback()
	}
	return addr == netip.IPv6Loopback()
}

// isPortSuffix reports whether s is ":" followed by 1 to 5 decimal digits.
func isPortSuffix(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DefaultMetadata is the VPC instance metadata service on every VSI.
const DefaultMetadata = "http://169.254.169.254"

// NormalizeMetadata checks a VPC instance metadata service URL. The service
// is plain http at the link-local 169.254.169.254 by design (it never
// leaves the host); anything else must be https, or http on loopback
// (tests), like the other endpoints.
func NormalizeMetadata(raw string) (string, error) {
	if strings.EqualFold(strings.TrimSuffix(raw, "/"), DefaultMetadata) {
		return DefaultMetadata, nil
	}
	return NormalizeIAM(raw)
}
