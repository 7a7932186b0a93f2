//go:build !linux

package integration

import (
	"errors"
	"os"
	"syscall"
)

// openPTY: the scripts run on Linux only (they need gnome-keyring), and
// /dev/ptmx with TIOCSPTLCK and TIOCGPTN is Linux's way.
func openPTY() (controller, terminal *os.File, err error) {
	return nil, nil, errors.New("the terminal scripts run on Linux only")
}

func echoOn(*os.File) (bool, error) {
	return false, errors.New("the terminal scripts run on Linux only")
}

func terminalAttr() *syscall.SysProcAttr { return nil }
