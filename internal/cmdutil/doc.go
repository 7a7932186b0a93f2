// Package cmdutil holds what the process (internal/app) and the commands
// (internal/commands) both need, below both so that neither imports the
// other's way: the usage and exit errors that pick an exit code, the
// interrupt that names the signal, the build's version, and urfave/cli's
// help flag and command made safe for two runs in one process.
package cmdutil
