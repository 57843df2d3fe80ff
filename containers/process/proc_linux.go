package process

import (
	"os"
	"path/filepath"
	"syscall"
)

// sysProcAttr makes the kernel stop a node when the harness dies, even by SIGKILL, so that no kmsim
// outlives its run. A detached node (kmconform up) gets its own session instead, so that it outlives
// kmconform and a Ctrl-C in the terminal does not reach it.
func sysProcAttr(detach bool) *syscall.SysProcAttr {
	if detach {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// lockAddress takes an exclusive, non-blocking lock on a per-address file; the lock ends when the file
// is closed or the process ends (also by SIGKILL), so a crashed run never holds an address.
func lockAddress(ip string) (*os.File, bool) {
	// A fixed folder, not TMPDIR: every run on the machine must see the same locks.
	dir := filepath.Join("/tmp", "kmconform-addresses")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, true // no lock directory: fall back to the port check alone
	}
	f, err := os.OpenFile(filepath.Join(dir, ip+".lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, true
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, false
	}
	return f, true
}
