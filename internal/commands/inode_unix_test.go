//go:build unix

package commands

import (
	"os"
	"syscall"
	"testing"
)

// inode is path's inode number, 0 when there is no file.
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
