//go:build !linux

package main

// freeSpace is not measured here; the probe write still catches a full disk.
func freeSpace(string) (uint64, bool) { return 0, false }
