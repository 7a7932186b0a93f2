package cmdutil

import (
	"os"
	"syscall"
)

// ExitCanceled is the exit code of a run canceled by something other than a
// known signal: the shell's for SIGINT.
const ExitCanceled = 130

// Interrupted is why a run's context was canceled when a signal came: the
// exit code says which one, by the shell's convention of 128 + its number
// (130 for SIGINT, 143 for SIGTERM), so a caller can tell Ctrl-C from a
// supervisor stopping it. exec reads it to pass a SIGTERM on to its child.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + i.Signal.String() }

// ExitCode is 128 + the signal's number.
func (i Interrupted) ExitCode() int {
	if s, ok := i.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitCanceled
}
