package selftest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kmconform/kmconform/fixtures"
	"github.com/kmconform/kmconform/harness/results"
)

// oneSentence asserts exit 2 and exactly one line of output containing every want, and that nothing
// started: no report folder and no simulator process.
func oneSentence(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.exit != 2 {
		t.Errorf("exit %d, want 2; output:\n%s", r.exit, r.output)
	}
	lines := strings.Split(strings.TrimSpace(r.output), "\n")
	if len(lines) != 1 {
		t.Errorf("want one line, got %d:\n%s", len(lines), r.output)
	}
	for _, w := range want {
		if !strings.Contains(r.output, w) {
			t.Errorf("output lacks %q:\n%s", w, r.output)
		}
	}
	if n := kmsimProcesses(t); n > 0 {
		t.Errorf("%d simulator processes started although the input was refused", n)
	}
}

// A malformed matrix file is refused in one sentence that names the file's line and the field.
func TestMalformedMatrixNamesLineAndField(t *testing.T) {
	builtin, err := fixtures.FS.ReadFile("matrix.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(builtin), "\n")
	// lineOf is the 1-based number of the first line of the built-in matrix that contains s.
	lineOf := func(s string) int {
		for i, l := range lines {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("the built-in matrix has no line with %q", s)
		return 0
	}
	replace := func(old, new string) string {
		if !strings.Contains(string(builtin), old) {
			t.Fatalf("the built-in matrix has no %q", old)
		}
		return strings.Replace(string(builtin), old, new, 1)
	}
	storeLine := lineOf("storeType: JKS")
	cases := map[string]struct {
		content string
		want    []string
	}{
		"unknown field": {replace("storeType: JKS", "storeTyp: JKS"),
			[]string{fmt.Sprintf("line %d: field storeTyp not found in an identityServer entry", storeLine)}},
		"wrong type": {replace("authorizeAllScopes: false", "authorizeAllScopes: perhaps"),
			[]string{fmt.Sprintf("line %d: field authorizeAllScopes: cannot unmarshal !!str `perhaps` into bool", lineOf("authorizeAllScopes: false"))}},
		"bad value": {replace("storeType: JKS", "storeType: JCEKS"),
			[]string{fmt.Sprintf("line %d: identityServer entry 1, field storeType: storeType must be JKS or PKCS12, not \"JCEKS\"", storeLine)}},
		"bad range": {replace(`apim: ">=4.6.0"`, `apim: ">=5.0.0"`),
			[]string{fmt.Sprintf(`line %d: expectation 1, field apim: ">=5.0.0" matches none of the versions`, lineOf(`apim: ">=4.6.0"`))}},
		"not YAML": {replace("    storeType: JKS", "    storeType: [JKS"),
			[]string{"is not valid YAML: line "}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "matrix.yaml")
			if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			r := kmconform(t, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--matrix", path)
			oneSentence(t, r, append(c.want, "matrix file "+path)...)
			if r.report != "" {
				t.Errorf("a malformed matrix left a report folder: %s", r.report)
			}
		})
	}
}

// mountTmpfs mounts a tmpfs with options at a new folder for the test, or says why it cannot (not root).
func mountTmpfs(t *testing.T, options string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("mount a tmpfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir, nil
}

// A reports folder without space, or not writable, is one sentence before anything starts.
func TestReportsFolderFullOrReadOnly(t *testing.T) {
	args := []string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0"}
	t.Run("no space", func(t *testing.T) {
		dir, err := mountTmpfs(t, "size=512k")
		if err != nil {
			t.Skipf("a full file system needs a tmpfs mount (run as root, as CI does): %v", err)
		}
		r := kmconform(t, append(args, "--reports", filepath.Join(dir, "reports"))...)
		oneSentence(t, r, "no space left in the reports folder "+filepath.Join(dir, "reports"), "--reports")
	})
	t.Run("read-only", func(t *testing.T) {
		dir, err := mountTmpfs(t, "ro,size=1m")
		if err != nil {
			if os.Getuid() == 0 {
				t.Skipf("root writes anywhere; a read-only file system needs a tmpfs mount: %v", err)
			}
			dir = t.TempDir()
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
		}
		r := kmconform(t, append(args, "--reports", dir)...)
		oneSentence(t, r, "the reports folder "+dir+" is not writable", "choose another with --reports")
	})
}

// startRun starts kmconform in its own process group and returns once a line containing mark was printed.
// The output goes to a file, not a pipe: a pipe the test stops reading would kill the processes still
// writing to it by SIGPIPE, which is not the fault under test.
func startRun(t *testing.T, mark string, env []string, args ...string) (*exec.Cmd, *runOutput, string) {
	t.Helper()
	reports := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "kmconform"), append(args, "--reports", reports)...)
	cmd.Env = append(append(os.Environ(), "TMPDIR="+tmpFor(t)), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &runOutput{path: filepath.Join(t.TempDir(), "output.log")}
	f, err := os.Create(out.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		for syscall.Kill(cmd.Process.Pid, 0) == nil && !processExited(cmd.Process.Pid) {
			time.Sleep(20 * time.Millisecond)
		}
		close(exited)
	}()
	deadline := time.After(2 * time.Minute)
	for !strings.Contains(out.String(), mark) {
		select {
		case <-exited:
			_ = cmd.Wait()
			t.Fatalf("the run ended before %q; output:\n%s", mark, out.String())
		case <-deadline:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
			t.Fatalf("the run never printed %q; output:\n%s", mark, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return cmd, out, reports
}

// processExited reports a zombie: a child that has exited and waits to be reaped.
func processExited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// runOutput is the output file of a started run.
type runOutput struct{ path string }

func (o *runOutput) String() string {
	b, _ := os.ReadFile(o.path)
	return string(b)
}

// suitePID finds the conformance suite process a kmconform started for a reports folder.
func suitePID(t *testing.T, reports string) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte("conformance.test")) && bytes.Contains(cmdline, []byte("-kmconform.config="+reports)) {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	t.Fatalf("no conformance suite process for %s", reports)
	return 0
}

func waitGone(pid int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// workFolders lists the simulator work folders left in the test's TMPDIR.
func workFolders(t *testing.T) []string {
	left, _ := filepath.Glob(filepath.Join(tmpFor(t), "kmconform-*"))
	return left
}

// kill -9 of kmconform mid-run, then 'kmconform clean': nothing of the run is left — no kmsim process, no
// work folder (the product homes hold the run's private keys).
func TestKilledRunThenClean(t *testing.T) {
	t.Run("kmconform alone", func(t *testing.T) {
		// The suite is told by the kernel (parent-death signal) and tears the cell down by itself.
		cmd, out, reports := startRun(t, "[setup 10/10]", nil, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0")
		suite := suitePID(t, reports)
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if !waitGone(suite, time.Minute) {
			t.Fatalf("the suite outlived kmconform by a minute; output:\n%s", out.String())
		}
		clean := kmconform(t, "clean")
		if clean.exit != 0 {
			t.Fatalf("clean: exit %d:\n%s", clean.exit, clean.output)
		}
		for _, want := range []string{"simulator processes: none left behind", "simulator work folders under " + tmpFor(t) + ": none left behind"} {
			if !strings.Contains(clean.output, want) {
				t.Errorf("clean output lacks %q:\n%s", want, clean.output)
			}
		}
		if n := kmsimProcesses(t); n > 0 || len(workFolders(t)) > 0 {
			t.Errorf("left: %d kmsim processes, work folders %v", n, workFolders(t))
		}
		if t.Failed() {
			t.Logf("output:\n%s", out.String())
		}
	})
	t.Run("kmconform and its log reader", func(t *testing.T) {
		// kmconform | tee log, and both are killed: the suite's next write meets a pipe nobody reads.
		reports := t.TempDir()
		cmd := exec.Command(filepath.Join(binDir, "kmconform"), "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--reports", reports)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmpFor(t))
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		var seen strings.Builder
		buf := make([]byte, 4096)
		for !strings.Contains(seen.String(), "[setup 10/10]") {
			n, err := r.Read(buf)
			if err != nil {
				t.Fatalf("the run ended before its setup did:\n%s", seen.String())
			}
			seen.Write(buf[:n])
		}
		suite := suitePID(t, reports)
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		r.Close()
		_ = cmd.Wait()
		if !waitGone(suite, time.Minute) {
			t.Fatal("the suite outlived kmconform by a minute")
		}
		if n := kmsimProcesses(t); n > 0 || len(workFolders(t)) > 0 {
			t.Errorf("the suite did not tear the cell down: %d kmsim processes, work folders %v", n, workFolders(t))
		}
	})
	t.Run("kmconform and its suite", func(t *testing.T) {
		// A CI runner's timeout kills everything at once: nothing tears down, the work folder stays.
		cmd, out, reports := startRun(t, "[setup 10/10]", nil, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0")
		suite := suitePID(t, reports)
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
		_ = syscall.Kill(-suite, syscall.SIGKILL) // the suite's process group: the suite and its kmsim processes
		_ = cmd.Wait()
		waitGone(suite, 10*time.Second)
		left := workFolders(t)
		if len(left) != 1 {
			t.Fatalf("after kill -9 of everything, %d work folders are left (want the run's one): %v", len(left), left)
		}
		keys, _ := filepath.Glob(filepath.Join(left[0], "*", "home", "repository", "resources", "security", "*"))
		if len(keys) == 0 {
			t.Fatalf("the work folder %s holds no stores: the test does not reproduce the leak", left[0])
		}
		clean := kmconform(t, "clean")
		if clean.exit != 0 {
			t.Fatalf("clean: exit %d:\n%s", clean.exit, clean.output)
		}
		want := "simulator work folders under " + tmpFor(t) + ": removed 1 (" + left[0] + ")"
		if !strings.Contains(clean.output, want) {
			t.Errorf("clean output lacks %q:\n%s", want, clean.output)
		}
		if n := kmsimProcesses(t); n > 0 || len(workFolders(t)) > 0 {
			t.Errorf("after clean: %d kmsim processes, work folders %v", n, workFolders(t))
		}
		if t.Failed() {
			t.Logf("output:\n%s", out.String())
		}
	})
}

// kmsimPID finds the simulator process of a product ("is", "apim") among this test's runs.
func kmsimPID(t *testing.T, product string) int {
	t.Helper()
	root, err := filepath.EvalSymlinks(tmpFor(t))
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("kmsim\x00serve\x00--product\x00"+product+"\x00")) {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && strings.HasPrefix(cwd, root+string(filepath.Separator)) {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	t.Fatalf("no kmsim process of %s in this test's runs", product)
	return 0
}

// A product dying during the checks ends the run at once with a verdict that names the product and the
// moment, its log up to the death, everything removed, and exit code 3 (the environment failed).
func TestProductDyingMidRun(t *testing.T) {
	// The product fault keeps the revocation check waiting (API-M never acts on the revocation), so that
	// API-M is killed while a check waits on it, not between checks.
	cmd, out, reports := startRun(t, "[revocation.jwt.gateway]", nil, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0",
		"--label-filter", "area:revocation", "--sim-fault", "apim-notify-ignores-revocation", "--interval", "revocation=60s/100ms")
	time.Sleep(300 * time.Millisecond)
	if err := syscall.Kill(kmsimPID(t, "apim"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	err := cmd.Wait()
	took := time.Since(killed)
	exit := 0
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	}
	r := result{exit: exit, output: out.String(), report: filepath.Join(reports, cellName)}
	r.results, _ = results.Read(r.report)
	const verdict = "API-M stopped answering during revocation checks (check revocation.jwt.gateway)"
	if exit != 3 {
		t.Errorf("exit %d, want 3 (environment failure); output:\n%s", exit, r.output)
	}
	if took > 30*time.Second {
		t.Errorf("the run took %s after API-M died: the check waited out its interval", took.Round(time.Second))
	}
	last := strings.TrimSpace(r.output)
	if i := strings.LastIndex(last, "\n"); i >= 0 {
		last = last[i+1:]
	}
	if !strings.Contains(last, verdict) || !strings.Contains(last, "evidence/wso2am.log") {
		t.Errorf("the last line does not give the verdict %q:\n%s", verdict, r.output)
	}
	if s := r.spec(t, "revocation.jwt.gateway"); s.Outcome != results.Error || !strings.Contains(s.Message, verdict) {
		t.Errorf("revocation.jwt.gateway: %s %q, want error naming %q", s.Outcome, s.Message, verdict)
	}
	if log, err := os.ReadFile(filepath.Join(r.report, "evidence", "wso2am.log")); err != nil || len(log) == 0 {
		t.Errorf("no log of API-M up to its death: %v", err)
	}
	if n := kmsimProcesses(t); n > 0 || len(workFolders(t)) > 0 {
		t.Errorf("left: %d kmsim processes, work folders %v", n, workFolders(t))
	}
	assertNoSecrets(t, r)
}

// The same with a container: API-M's container is killed during the revocation check.
func TestProductContainerDyingMidRun(t *testing.T) {
	requireDocker(t)
	id := runID(t)
	cmd, out, reports := startRun(t, "[revocation.jwt.gateway]", nil, "run", "--target", "sim-docker", "--is", "7.1.0", "--apim", "4.5.0",
		"--run-id", id, "--label-filter", "area:revocation", "--sim-fault", "apim-notify-ignores-revocation", "--interval", "revocation=60s/100ms")
	time.Sleep(300 * time.Millisecond)
	if out, err := exec.Command("docker", "kill", "kmconform-"+id+"-"+cellName+"-wso2am").CombinedOutput(); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		t.Fatalf("docker kill: %v: %s", err, out)
	}
	err := cmd.Wait()
	expectNothingLeft(t, id)
	exit := 0
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	}
	if exit != 3 {
		t.Errorf("exit %d, want 3; output:\n%s", exit, out.String())
	}
	c, err := results.Read(filepath.Join(reports, cellName))
	if err != nil {
		t.Fatal(err)
	}
	const verdict = "API-M stopped answering during revocation checks (check revocation.jwt.gateway)"
	if s := c.Specs[0]; s.Outcome != results.Error || !strings.Contains(s.Message, verdict) || !strings.Contains(s.Message, "exit code 137") {
		t.Errorf("%s: %s %q, want error naming %q and the exit code", s.ID, s.Outcome, s.Message, verdict)
	}
	if log, err := os.ReadFile(filepath.Join(reports, cellName, "evidence", "wso2am.log")); err != nil || len(log) == 0 {
		t.Errorf("no log of API-M up to its death: %v", err)
	}
}
