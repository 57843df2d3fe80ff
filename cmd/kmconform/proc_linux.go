package main

import "syscall"

// suiteProcAttr puts the suite in its own process group (so the terminal's Ctrl-C does not reach it
// directly) and has the kernel signal it if kmconform dies, so that it still tears the cell down. The
// signal is SIGUSR1, not SIGTERM: the kernel sends it again each time the suite is handed from one
// exiting thread of kmconform to the next, and a second SIGTERM would make Ginkgo skip the teardown. The
// suite turns the first SIGUSR1 into one interrupt (suites/conformance/parentdeath_linux_test.go).
func suiteProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGUSR1}
}
