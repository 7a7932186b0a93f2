package cmdutil

import "runtime/debug"

// version is set at build time with
// -ldflags "-X github.com/monitor-token/monitor-token/internal/cmdutil.version=v1.2.3".
var version string

// Version is the build's version: the ldflags value, else the module version
// `go install` recorded, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// SetVersion makes Version return v until restore is called: for tests of
// what carries the version (the ibmcloud handshake), which cannot pass
// -ldflags. Not safe while anything else reads the version.
func SetVersion(v string) (restore func()) {
	old := version
	version = v
	return func() { version = old }
}
