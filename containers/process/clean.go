package process

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/containers"
)

// WorkDirPrefix starts the name of every work folder the backend creates under the temporary folder.
const WorkDirPrefix = "kmconform-"

// MarkerFile, in a work folder, says which process created it: 'kmconform clean' removes only folders
// that carry one, belong to the user running it and whose owner is gone.
const MarkerFile = ".kmconform-run.json"

type marker struct {
	Owner containers.Owner `json:"owner"`
	// Detach marks the folder of a cell brought up with 'kmconform up': it lives while its processes run.
	Detach bool `json:"detach,omitempty"`
}

// MarkWorkDir marks a temporary folder this process made under the temporary folder with the backend's
// prefix (e.g. for a simulator home that 'kmconform plan' reads), so that 'kmconform clean' removes it
// should this process die before it does.
func MarkWorkDir(dir string) error { return writeMarker(dir, marker{Owner: containers.Self()}) }

func writeMarker(dir string, m marker) error {
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, MarkerFile), b, 0o600); err != nil {
		return fmt.Errorf("write the work folder's marker: %w", err)
	}
	return nil
}

// Cleaned is what Clean did, per kind.
type Cleaned struct {
	// Processes are the kmsim processes stopped ("pid 123 in /tmp/kmconform-1/wso2is").
	Processes []string
	// Folders are the work folders removed.
	Folders []string
	// Live are the work folders left alone because their run is alive.
	Live []string
	// Failed lists what could not be removed.
	Failed []string
}

// Clean removes what runs of the process backend left under tmp (the temporary folder) after their
// kmconform was killed: the kmsim processes still working in such a folder, then the folder (the product
// homes in it hold the run's private keys). It touches only folders that carry the backend's marker and
// belong to the user running it, and only when the process that created them is gone — or, for a cell
// brought up with 'kmconform up', when none of its processes runs any more.
func Clean(tmp string, stopTimeout time.Duration) (Cleaned, error) {
	var out Cleaned
	dirs, err := filepath.Glob(filepath.Join(tmp, WorkDirPrefix+"*"))
	if err != nil {
		return out, err
	}
	procs := kmsimProcesses()
	for _, dir := range dirs {
		m, ok := ownMarker(dir)
		if !ok {
			continue
		}
		inside := procs.under(dir)
		if m.Owner.Alive() || (m.Detach && len(inside) > 0) {
			out.Live = append(out.Live, dir)
			continue
		}
		for _, p := range inside {
			if err := stopPID(p.pid, stopTimeout); err != nil {
				out.Failed = append(out.Failed, fmt.Sprintf("kmsim pid %d: %v", p.pid, err))
				continue
			}
			out.Processes = append(out.Processes, fmt.Sprintf("pid %d in %s", p.pid, p.cwd))
		}
		if err := os.RemoveAll(dir); err != nil {
			out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", dir, err))
			continue
		}
		out.Folders = append(out.Folders, dir)
	}
	// A kmsim whose work folder is gone already (its cwd reads "… (deleted)") has no run left to belong to.
	for _, p := range procs {
		if strings.HasSuffix(p.cwd, " (deleted)") && strings.HasPrefix(filepath.Base(firstDir(tmp, p.cwd)), WorkDirPrefix) {
			if err := stopPID(p.pid, stopTimeout); err == nil {
				out.Processes = append(out.Processes, fmt.Sprintf("pid %d in %s", p.pid, p.cwd))
			}
		}
	}
	if len(out.Failed) > 0 {
		return out, errors.New("could not remove " + strings.Join(out.Failed, "; "))
	}
	return out, nil
}

// firstDir is the first path element of p under tmp ("" when p is not under tmp).
func firstDir(tmp, p string) string {
	rel, err := filepath.Rel(resolved(tmp), p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	return strings.Split(rel, string(filepath.Separator))[0]
}

func resolved(dir string) string {
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		return r
	}
	return filepath.Clean(dir)
}

// ownMarker reads the marker of a work folder that is a real folder of the current user.
func ownMarker(dir string) (marker, bool) {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() || !ownedByMe(st) {
		return marker{}, false
	}
	path := filepath.Join(dir, MarkerFile)
	mst, err := os.Lstat(path)
	if err != nil || !mst.Mode().IsRegular() || !ownedByMe(mst) {
		return marker{}, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return marker{}, false
	}
	var m marker
	if json.Unmarshal(b, &m) != nil || m.Owner.PID == 0 {
		return marker{}, false
	}
	return m, true
}

func ownedByMe(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Getuid()
}

type kmsimProc struct {
	pid int
	cwd string
}

type procList []kmsimProc

// under lists the processes working in dir or below it.
func (l procList) under(dir string) []kmsimProc {
	root := resolved(dir) + string(filepath.Separator)
	var out []kmsimProc
	for _, p := range l {
		if strings.HasPrefix(p.cwd+string(filepath.Separator), root) {
			out = append(out, p)
		}
	}
	return out
}

// kmsimProcesses lists the current user's kmsim processes and their working folders (Linux /proc).
func kmsimProcesses() procList {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out procList
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		st, err := os.Stat(dir)
		if err != nil || !ownedByMe(st) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		if filepath.Base(string(argv0)) != "kmsim" {
			continue
		}
		cwd, err := os.Readlink(filepath.Join(dir, "cwd"))
		if err != nil {
			continue
		}
		out = append(out, kmsimProc{pid: pid, cwd: cwd})
	}
	return out
}

// stopPID sends SIGTERM, then SIGKILL after timeout.
func stopPID(pid int, timeout time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if err == syscall.ESRCH {
			return nil
		}
		return err
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}
