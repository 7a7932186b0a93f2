//go:build !unix

package testkeyring

import "syscall"

// ownProcessGroup: the providers run on Linux only; elsewhere the package
// only has to build, for `go vet`.
func ownProcessGroup() *syscall.SysProcAttr { return nil }
