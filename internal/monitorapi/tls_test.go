package monitorapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

// testCA is a certificate authority for one test, and the pool that
// trusts it.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "monitor-token test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return testCA{cert: cert, key: key, pool: pool}
}

// leaf issues a server certificate for names (DNS names or IPs), valid
// from notBefore to notAfter.
func (ca testCA) leaf(t *testing.T, names []string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// A certificate the client cannot accept is not a network blip: it is
// tried once, and the message says what is wrong with it and what to do,
// for IAM (through go-sdk-core) and Monitoring alike.
func TestCertificateErrorsAreNotRetried(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	cases := []struct {
		name  string
		cert  tls.Certificate
		trust *x509.CertPool
		want  string
	}{
		{"unknown authority", ca.leaf(t, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour)), x509.NewCertPool(),
			"the TLS certificate of 127.0.0.1 is not trusted (signed by an unknown authority); check the endpoint, or set SSL_CERT_FILE to your company's CA bundle"},
		{"other names", ca.leaf(t, []string{"monitoring.example"}, now.Add(-time.Hour), now.Add(time.Hour)), ca.pool,
			"the TLS certificate of 127.0.0.1 is for other names (monitoring.example); check the endpoint's host name: a proxy or a captive portal may be answering for it"},
		{"expired", ca.leaf(t, []string{"127.0.0.1"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour)), ca.pool,
			"the TLS certificate of 127.0.0.1 has expired or is not valid yet; check the endpoint, and the clock of this machine"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{c.cert}}
			var handshakes atomic.Int32
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					handshakes.Add(1)
				}
			}
			srv.StartTLS()
			defer srv.Close()
			for _, call := range []struct {
				name string
				do   func(*Client) error
			}{
				{"IAM", func(cl *Client) error {
					_, err := cl.ExchangeAPIKey(context.Background(), srv.URL, "key-0123456789")
					return err
				}},
				{"Monitoring", func(cl *Client) error {
					_, err := cl.MonitorToken(context.Background(), srv.URL, Credentials{Bearer: "b", InstanceID: "g"})
					return err
				}},
			} {
				handshakes.Store(0)
				cl := New("monitor-token/test")
				cl.Grants = sdkgrant.Grants{}
				cl.HTTP = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.trust}}}
				cl.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
				err := call.do(cl)
				if !errors.Is(err, ErrCertificate) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("%s: err = %v\nwant ErrCertificate saying %q", call.name, err, c.want)
				}
				if strings.Contains(err.Error(), "tries") || handshakes.Load() != 1 {
					t.Fatalf("%s: %d connections, err %v: a certificate error was retried", call.name, handshakes.Load(), err)
				}
			}
			if hits.Load() != 0 {
				t.Fatalf("%d requests reached the server past a refused certificate", hits.Load())
			}
		})
	}
}
