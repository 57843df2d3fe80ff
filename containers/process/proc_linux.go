package process

import "syscall"

// sysProcAttr makes the kernel stop a node when the harness dies, even by SIGKILL, so that no kmsim
// outlives its run. A detached node (kmconform up) gets its own session instead, so that it outlives
// kmconform and a Ctrl-C in the terminal does not reach it.
func sysProcAttr(detach bool) *syscall.SysProcAttr {
	if detach {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
