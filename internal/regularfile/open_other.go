//go:build !unix

package regularfile

import "os"

// open is a plain open where there are no Unix open flags (Windows). There
// opening a named pipe (\\.\pipe\NAME) does not wait for its server:
// CreateFile fails with ERROR_PIPE_BUSY instead (Microsoft's CreateFileW
// documentation, "Pipes"). What was opened is checked before it is read.
func open(path string, flags int) (*os.File, error) {
	return os.OpenFile(path, flags&os.O_RDWR, 0)
}

// NoFollow: Windows has no O_NOFOLLOW; the callers that need it resolve
// links first (internal/trustedpath), and %LOCALAPPDATA% is closed to other
// users by its ACL.
const NoFollow = 0

func IsLink(error) bool { return false }
