package main

import "syscall"

// suiteProcAttr puts the suite in its own process group (so the terminal's Ctrl-C does not reach it
// directly) and has the kernel send it SIGTERM if kmconform dies, so that it still tears the cell down.
func suiteProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
