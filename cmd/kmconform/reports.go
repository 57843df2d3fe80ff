package main

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// minReportSpace is the free space a cell's reports need at least: the products' logs, the HTTP transcript
// and the evidence of a failing official-image cell run to tens of MiB.
const minReportSpace = 64 << 20

// probeSize is what checkReports writes to prove the folder takes data, not only a file name.
const probeSize = 1 << 20

// checkReports makes sure the reports folder exists, is writable and has room, before anything starts:
// a nightly that cannot write its verdict must say so at once, not after twenty minutes.
func checkReports(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageError("the reports folder %s cannot be created (%s): choose another with --reports", dir, cause(err))
	}
	f, err := os.CreateTemp(dir, ".kmconform-write-probe-")
	if err != nil {
		return reportsError(dir, err)
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(make([]byte, probeSize))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return reportsError(dir, werr)
	}
	if free, ok := freeSpace(dir); ok && free < minReportSpace {
		return usageError("no space left in the reports folder %s (%d MiB free, a cell needs %d MiB): free some space or choose another folder with --reports",
			dir, free>>20, minReportSpace>>20)
	}
	return nil
}

func reportsError(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return usageError("no space left in the reports folder %s: free some space or choose another folder with --reports", dir)
	}
	return usageError("the reports folder %s is not writable (%s): choose another with --reports", dir, cause(err))
}

// cause is the system's reason without the path, which the sentence already names.
func cause(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// reportsRoot is the folder holding the cells' folders.
func reportsRoot(cellDir string) string { return filepath.Dir(cellDir) }
