package conformance

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// kmconform starts the suite with SIGUSR1 as its parent-death signal (cmd/kmconform/proc_linux.go). The
// kernel sends it once per thread of kmconform that exits while holding the suite as its child, so it can
// come several times in a burst; the suite turns the first into exactly one interrupt — Ginkgo then tears
// the cell down — and swallows the rest (a second interrupt would make Ginkgo skip the teardown).
func init() {
	c := make(chan os.Signal, 8)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		<-c
		fmt.Fprintln(os.Stderr, "kmconform is gone (killed?): tearing the cell down")
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		for range c {
		}
	}()
}
