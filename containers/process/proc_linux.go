package process

import "syscall"

// sysProcAttr makes the kernel stop a node when the harness dies, even by SIGKILL, so that no kmsim
// outlives its run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
