//go:build !linux

package process

import (
	"os"
	"syscall"
)

func sysProcAttr(detach bool) *syscall.SysProcAttr {
	if detach {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return nil
}

// lockAddress does not lock outside Linux: the port check alone guards the address.
func lockAddress(string) (*os.File, bool) { return nil, true }
