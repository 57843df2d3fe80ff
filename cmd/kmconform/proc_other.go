//go:build !linux

package main

import "syscall"

func suiteProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
