//go:build !unix

package ibmcloud

import "context"

// lockCLI takes no lock where the CLI takes none: on Windows the plugin
// SDK's persistor.go reads and writes its config without one
// (windowsLockedRead and windowsLockedWrite), and a LockFileEx lock there
// would make the CLI's own reads fail rather than wait.
func lockCLI(context.Context, string, bool) (func(), error) { return func() {}, nil }
