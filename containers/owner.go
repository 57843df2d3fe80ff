package containers

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Owner identifies the process that created a run's nodes, so that 'kmconform clean' can tell the
// leftovers of a run whose kmconform is gone (killed, crashed, the machine rebooted) from a live run's: a
// pid alone may have been reused, so its start time is kept with it.
type Owner struct {
	Host  string `json:"host"`
	PID   int    `json:"pid"`
	Start uint64 `json:"start"` // start time of the process in clock ticks since boot (Linux); 0 elsewhere
	UID   int    `json:"uid"`
}

// Self is the running process as an owner.
func Self() Owner {
	host, _ := os.Hostname()
	return Owner{Host: host, PID: os.Getpid(), Start: startTime(os.Getpid()), UID: os.Getuid()}
}

// String is the owner as a label value: host/pid/start.
func (o Owner) String() string { return fmt.Sprintf("%s/%d/%d", o.Host, o.PID, o.Start) }

// ParseOwner reads a label value written by String.
func ParseOwner(s string) (Owner, bool) {
	i, j := strings.Index(s, "/"), strings.LastIndex(s, "/")
	if i < 0 || i == j {
		return Owner{}, false
	}
	pid, err1 := strconv.Atoi(s[i+1 : j])
	start, err2 := strconv.ParseUint(s[j+1:], 10, 64)
	if err1 != nil || err2 != nil {
		return Owner{}, false
	}
	return Owner{Host: s[:i], PID: pid, Start: start}, true
}

// Here reports whether the owner ran on this machine (only then can its liveness be known).
func (o Owner) Here() bool {
	host, _ := os.Hostname()
	return o.Host == host
}

// Alive reports whether the owner process still runs: same pid and, where known, the same start time.
// An owner on another machine is taken as alive: nothing here can tell.
func (o Owner) Alive() bool {
	if !o.Here() {
		return true
	}
	if o.PID <= 0 {
		return false
	}
	if err := syscall.Kill(o.PID, 0); err != nil && err != syscall.EPERM {
		return false
	}
	if st := startTime(o.PID); st != 0 && o.Start != 0 {
		return st == o.Start
	}
	return true
}

// startTime is field 22 of /proc/<pid>/stat, 0 when unknown.
func startTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64) // field 22 overall: the 20th after the name
	return v
}
