//go:build windows

// Command trustroot adds a CA certificate to the Windows machine's trusted
// root store, for the tests that run monitor-token under Wine: Go on
// Windows verifies certificates through the system's store
// (CertGetCertificateChain) and ignores SSL_CERT_FILE, so the emulator's
// certificate has to be there (docs/platforms.md, "Windows under Wine").
// Only the tests build it; it is no part of monitor-token.
//
//	trustroot CERT.pem
package main

import (
	"encoding/pem"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "trustroot:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: trustroot CERT.pem")
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		return err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return fmt.Errorf("%s holds no PEM certificate", os.Args[1])
	}
	cert, err := windows.CertCreateCertificateContext(windows.X509_ASN_ENCODING|windows.PKCS_7_ASN_ENCODING, &block.Bytes[0], uint32(len(block.Bytes)))
	if err != nil {
		return fmt.Errorf("parse the certificate: %w", err)
	}
	defer windows.CertFreeCertificateContext(cert)
	// The machine's store, not the user's: adding to the current user's
	// root store asks for a confirmation on Windows.
	name, _ := windows.UTF16PtrFromString("ROOT")
	store, err := windows.CertOpenStore(windows.CERT_STORE_PROV_SYSTEM, 0, 0, windows.CERT_SYSTEM_STORE_LOCAL_MACHINE, uintptr(unsafe.Pointer(name)))
	if err != nil {
		return fmt.Errorf("open the machine's root store: %w", err)
	}
	defer windows.CertCloseStore(store, 0)
	if err := windows.CertAddCertificateContextToStore(store, cert, windows.CERT_STORE_ADD_REPLACE_EXISTING, nil); err != nil {
		return fmt.Errorf("add the certificate: %w", err)
	}
	return nil
}
