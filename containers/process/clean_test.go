package process

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/kmconform/kmconform/containers"
)

// fakeKmsim starts a long sleep under the name kmsim, working in dir, as a node of a run would.
func fakeKmsim(t *testing.T, bin, dir string) *exec.Cmd {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "60")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	cmd.Cancel = func() error { <-done; return nil } // Cancel doubles as "wait until reaped" below
	return cmd
}

func gone(cmd *exec.Cmd) bool {
	ch := make(chan struct{})
	go func() { _ = cmd.Cancel(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// Clean removes the processes and work folder of a run whose owner is gone, and nothing of a live run,
// a cell brought up with 'kmconform up' that still runs, a folder without marker or another user's folder.
func TestCleanRemovesOnlyDeadRuns(t *testing.T) {
	if _, err := os.Stat("/proc/self/cwd"); err != nil {
		t.Skip("no /proc: clean finds kmsim processes through /proc")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	bin := filepath.Join(t.TempDir(), "kmsim")
	if err := os.Symlink(sleep, bin); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	deadOwner := containers.Self()
	deadOwner.PID, deadOwner.Start = ended.Process.Pid, 1
	mk := func(name string, m *marker) string {
		dir := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(dir, "wso2is", "home"), 0o755); err != nil {
			t.Fatal(err)
		}
		if m != nil {
			if err := writeMarker(dir, *m); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dead := mk("kmconform-dead", &marker{Owner: deadOwner})
	deadProc := fakeKmsim(t, bin, filepath.Join(dead, "wso2is"))
	live := mk("kmconform-live", &marker{Owner: containers.Self()})
	liveProc := fakeKmsim(t, bin, filepath.Join(live, "wso2am"))
	up := mk("kmconform-up", &marker{Owner: deadOwner, Detach: true})
	upProc := fakeKmsim(t, bin, filepath.Join(up, "wso2is"))
	upGone := mk("kmconform-up-gone", &marker{Owner: deadOwner, Detach: true})
	unmarked := mk("kmconform-unmarked", nil)
	var others string
	if os.Getuid() == 0 {
		others = mk("kmconform-others", &marker{Owner: deadOwner})
		if err := filepath.Walk(others, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, 65534, 65534)
		}); err != nil {
			t.Fatal(err)
		}
	}

	got, err := Clean(tmp, 2*time.Second)
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	if !gone(deadProc) {
		t.Errorf("the kmsim of the dead run still runs")
	}
	for _, d := range []string{dead, upGone} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s was not removed", d)
		}
		if !slices.Contains(got.Folders, d) {
			t.Errorf("Clean does not report removing %s: %+v", d, got)
		}
	}
	if len(got.Processes) != 1 {
		t.Errorf("Clean reports %d processes stopped, want 1: %+v", len(got.Processes), got)
	}
	for _, d := range []string{live, up, unmarked, others} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
	if !slices.Contains(got.Live, live) || !slices.Contains(got.Live, up) || len(got.Live) != 2 {
		t.Errorf("Clean reports as live %v, want %s and %s", got.Live, live, up)
	}
	for _, c := range []*exec.Cmd{liveProc, upProc} {
		if syscall.Kill(c.Process.Pid, 0) != nil {
			t.Errorf("a live run's kmsim (pid %d) was stopped", c.Process.Pid)
		}
	}
}
