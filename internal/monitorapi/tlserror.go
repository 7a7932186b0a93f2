package monitorapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"runtime"
	"strings"
)

// certificateError is a TLS certificate the client would not accept, in the
// words a user acts on: which host, what is wrong, and the fix. Such an
// error is the same on every try, so it is never retried.
type certificateError struct {
	host    string
	problem string // "is not trusted (signed by an unknown authority)"
	fix     string
	cause   error
}

func (e *certificateError) Error() string {
	return "the TLS certificate of " + e.host + " " + e.problem + "; " + e.fix
}

func (e *certificateError) Unwrap() error { return e.cause }

// asCertificateError recognises the certificate errors of crypto/tls and
// crypto/x509 (tls.CertificateVerificationError wraps the x509 ones since
// Go 1.20) in err, whatever wraps them, for a request to host.
func asCertificateError(err error, host string) (*certificateError, bool) {
	var done *certificateError
	if errors.As(err, &done) {
		return done, true
	}
	var (
		unknown  x509.UnknownAuthorityError
		name     x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		system   x509.SystemRootsError
		constErr x509.ConstraintViolationError
	)
	e := &certificateError{host: host, cause: err}
	switch {
	case errors.As(err, &unknown), errors.As(err, &system):
		e.problem = "is not trusted (signed by an unknown authority)"
		e.fix = "check the endpoint, or " + trustFix()
	case errors.As(err, &name):
		e.problem = "is for other names (" + certNames(name.Certificate) + ")"
		e.fix = "check the endpoint's host name: a proxy or a captive portal may be answering for it"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		e.problem = "has expired or is not valid yet"
		e.fix = "check the endpoint, and the clock of this machine"
	case errors.As(err, &invalid), errors.As(err, &constErr), errors.As(err, &verify):
		e.problem = "is not valid (" + certReason(err) + ")"
		e.fix = "check the endpoint, or " + trustFix()
	default:
		return nil, false
	}
	return e, true
}

// trustFix is how a user makes a company CA trusted. Go reads
// SSL_CERT_FILE only where it reads PEM roots itself; on Windows and macOS
// it asks the system's verifier, which knows only the system's store
// (crypto/x509, root_windows.go and root_darwin.go).
func trustFix() string {
	switch runtime.GOOS {
	case "windows":
		return "add your company's CA certificate to the Windows certificate store"
	case "darwin", "ios":
		return "add your company's CA certificate to the System keychain and trust it"
	}
	return "set SSL_CERT_FILE to your company's CA bundle"
}

// certNames lists the names a certificate is for, at most a few.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "unknown"
	}
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) > 4 {
		names = append(names[:4], "...")
	}
	return strings.Join(names, ", ")
}

// certReason is the x509 reason without the "tls: failed to verify
// certificate: " prefix every such error repeats.
func certReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "x509: "); i >= 0 {
		s = s[i:]
	}
	return s
}
