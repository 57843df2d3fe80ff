package selftest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/kmconform/kmconform/harness/report"
	"github.com/kmconform/kmconform/harness/results"
)

// kmconformIn runs the CLI with a fixed environment addition (e.g. the simulator's start delay).
func kmconformIn(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "kmconform"), args...)
	cmd.Env = append(append(os.Environ(), "TMPDIR="+tmpFor(t)), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := result{output: out.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run kmconform: %v", err)
	}
	return r
}

// readMatrix reads a matrix.json with its generated time and timings zeroed: what two runs of the same
// cells must agree on.
// randomSuffix is the suffix kmconform gives the names it makes up (fixture.randomSuffix: 3 random bytes).
var randomSuffix = regexp.MustCompile(`[-_][0-9a-f]{6}\b`)

func readMatrix(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "generated")
	for _, c := range doc["cells"].([]any) {
		cell := c.(map[string]any)
		cell["durationMs"] = 0
		for _, s := range cell["specs"].([]any) {
			spec := s.(map[string]any)
			spec["durationMs"] = 0
			// Names a check makes up (an application, a scope) carry a random suffix that differs per run.
			if msg, ok := spec["message"].(string); ok {
				spec["message"] = randomSuffix.ReplaceAllString(msg, "<random>")
			}
			if m, ok := spec["measurements"].(map[string]any); ok {
				for k := range m {
					m[k] = 0 // a latency differs from run to run; which measurements exist must not
				}
			}
		}
		if r, ok := cell["revocation"].(map[string]any); ok {
			for k := range r {
				r[k] = 0
			}
		}
	}
	return doc
}

// One parallel matrix on the simulator: a line per cell and phase on the terminal and Ginkgo's stream in
// each cell's suite.log; the same cells run one by one (as CI jobs would) and merged give the same
// matrix.json; a fault injected into one cell shows as a red square in matrix.html rendered by Chromium.
func TestParallelMatrixMergeAndHTML(t *testing.T) {
	const seed = "20261204"
	reports := t.TempDir()
	args := []string{"matrix", "--target", "sim", "--is", "7.0.0,7.1.0", "--apim", "4.5.0,4.6.0", "--parallel", "2", "--seed", seed,
		"--label-filter", reportFilter, "--reports", reports}
	r := kmconformIn(t, nil, args...)
	if r.exit != 0 {
		t.Fatalf("matrix: exit %d; output:\n%s", r.exit, r.output)
	}
	if n := kmsimProcesses(t); n > 0 {
		t.Errorf("%d kmsim processes were left running after the matrix", n)
	}
	cells := []string{"is-7.0.0_apim-4.5.0", "is-7.0.0_apim-4.6.0", "is-7.1.0_apim-4.5.0", "is-7.1.0_apim-4.6.0"}
	all := catalogueOf(t, reportFilter)
	n := len(all)
	for _, c := range cells {
		// A cell with known incompatibilities or unsupported capabilities (listed in the matrix) is KNOWN,
		// every other one passes every check.
		verdict := fmt.Sprintf("PASS %d/%d", n, n)
		if cr, err := results.Read(filepath.Join(reports, c)); err != nil {
			t.Errorf("%s: %v", c, err)
		} else if cr.Count(results.XFail)+cr.Count(results.NotSupported) > 0 {
			verdict = "KNOWN "
		}
		for _, phase := range []string{c + "    creating", c + "    starting", fmt.Sprintf("%s    checks %d/%d", c, n, n), c + "    " + verdict} {
			if !strings.Contains(r.output, phase) {
				t.Errorf("the terminal lacks the line %q", phase)
			}
		}
		log, err := os.ReadFile(filepath.Join(reports, c, "suite.log"))
		if err != nil || !strings.Contains(string(log), "[BeforeSuite]") || !strings.Contains(string(log), "Specs in") {
			t.Errorf("%s/suite.log lacks Ginkgo's stream (%v)", c, err)
		}
	}
	if strings.Contains(r.output, "Ran 4 of 4 Specs") || strings.Contains(r.output, "[setup 1/") {
		t.Errorf("Ginkgo's verbose stream reached the terminal:\n%s", r.output)
	}
	if !strings.Contains(r.output, "4 cells on target sim, 2 at a time (--parallel 2)") {
		t.Errorf("the matrix does not say how many cells run at once:\n%s", r.output)
	}
	for _, f := range []string{"matrix.md", "matrix.html", "matrix.json"} {
		if _, err := os.Stat(filepath.Join(reports, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}
	// --quiet on two of the cells: a line per cell and the two summary lines.
	quietArgs := append([]string{"matrix", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0,4.6.0", "--parallel", "2",
		"--label-filter", reportFilter}, "--reports", t.TempDir(), "--quiet")
	quiet := kmconformIn(t, nil, quietArgs...)
	if lines := strings.Count(strings.TrimSpace(quiet.output), "\n") + 1; quiet.exit != 0 || lines != 4 {
		t.Errorf("--quiet: exit %d, %d lines, want a line per cell and the two summary lines:\n%s", quiet.exit, lines, quiet.output)
	}

	// The same cells, each run on its own into a folder of its own as a CI job would, then merged.
	jobs := t.TempDir()
	for _, c := range cells {
		is, apim, _ := report.ParseCellName(c)
		one := kmconformIn(t, nil, "run", "--target", "sim", "--is", is, "--apim", apim, "--seed", seed, "--label-filter", reportFilter,
			"--reports", filepath.Join(jobs, c))
		if one.exit != 0 {
			t.Fatalf("%s alone: exit %d; output:\n%s", c, one.exit, one.output)
		}
	}
	merged := filepath.Join(t.TempDir(), "reports")
	m := kmconformIn(t, nil, "report", "merge", jobs, "--reports", merged)
	if m.exit != 0 {
		t.Fatalf("report merge: exit %d; output:\n%s", m.exit, m.output)
	}
	single, joined := readMatrix(t, filepath.Join(reports, "matrix.json")), readMatrix(t, filepath.Join(merged, "matrix.json"))
	if !reflect.DeepEqual(single, joined) {
		a, _ := json.MarshalIndent(single, "", " ")
		b, _ := json.MarshalIndent(joined, "", " ")
		t.Errorf("merging separately run cells does not give the matrix.json of one run:\none run:\n%s\nmerged:\n%s", a, b)
	}

	// A fault in one cell: that cell's square of the check the fault breaks turns red, and nothing else.
	bad := kmconformIn(t, nil, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--inject-fault", "open-api", "--seed", seed, "--label-filter", reportFilter, "--reports", reports,
		"--interval", "revocation=3s/10ms,gateway-propagation=3s/50ms")
	if bad.exit != 1 {
		t.Fatalf("faulty cell: exit %d; output:\n%s", bad.exit, bad.output)
	}
	if rebuilt := kmconformIn(t, nil, "report", "--reports", reports); rebuilt.exit != 1 {
		t.Fatalf("report with a regression: exit %d; output:\n%s", rebuilt.exit, rebuilt.output)
	}
	grid := renderInChromium(t, filepath.Join(reports, "matrix.html"))
	checks := len(all)
	// The checks the fault breaks are those that declare it (the fault self-test proves each fails under it).
	breaks := map[string]bool{}
	for _, c := range all {
		for _, f := range c.Faults {
			if f.Name == "open-api" {
				breaks[c.ID] = true
			}
		}
	}
	if !breaks["mismatch.resident-token"] {
		t.Fatal("mismatch.resident-token no longer declares the fault open-api: pick another fault for this test")
	}
	if len(grid.rows) != len(cells) {
		t.Errorf("the grid has %d rows, want one per cell (%d)", len(grid.rows), len(cells))
	}
	for _, row := range grid.rows {
		if len(row.squares) != checks {
			t.Errorf("row %s has %d check squares, want %d", row.cell, len(row.squares), checks)
		}
		for _, sq := range row.squares {
			wantFailed := row.cell == "is-7.1.0_apim-4.5.0" && breaks[sq.check]
			if failed := sq.outcome == string(results.Failed); failed != wantFailed {
				t.Errorf("square %s × %s is %q (class %q)", row.cell, sq.check, sq.outcome, sq.class)
			}
			if wantFailed && sq.check == "mismatch.resident-token" && (!strings.Contains(sq.class, "o-failed") ||
				!strings.Contains(sq.title, "restriction is not enforced") || sq.href != "#cell-"+row.cell+"--"+sq.check) {
				t.Errorf("the failed square: class %q, title %q, link %q", sq.class, sq.title, sq.href)
			}
		}
	}
	if grid.verdict != "regression" {
		t.Errorf("the page's verdict is %q, want regression", grid.verdict)
	}
}

// Exit 3: the environment failed, not the products — said in one sentence, and recorded in results.json as
// an error so that a merged report shows the cell.
func TestEnvironmentFailuresExitThree(t *testing.T) {
	for name, c := range map[string]struct {
		env  []string
		args []string
		want string
	}{
		// An unregistered testcontainers provider: discovery would find /var/run/docker.sock past a dead
		// DOCKER_HOST (see containers/docker's TestAvailableWithoutEngine).
		"no Docker engine": {[]string{"TESTCONTAINERS_PROVIDER=kmconform-none"},
			[]string{"run", "--target", "sim-docker", "--is", "7.1.0", "--apim", "4.5.0"}, "no Docker engine answers"},
		"JAR download fails": {nil, []string{"run", "--is", "7.1.0", "--apim", "4.5.0", "--maven-repo", "http://127.0.0.1:9/maven"},
			"download wso2is.notification.event.handlers-2.0.5.jar from http://127.0.0.1:9/maven"}, // the handler API-M 4.5's documentation names
		"a product never becomes ready": {[]string{"KMSIM_START_DELAY=is=30s"},
			[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--interval", "is-ready=1s"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			reports := t.TempDir()
			r := kmconformIn(t, c.env, append(c.args, "--reports", reports)...)
			if r.exit != 3 {
				t.Fatalf("exit %d, want 3; output:\n%s", r.exit, r.output)
			}
			if c.want != "" {
				if lines := strings.Split(strings.TrimSpace(r.output), "\n"); len(lines) != 1 || !strings.Contains(lines[0], c.want) {
					t.Errorf("want one line containing %q, got:\n%s", c.want, r.output)
				}
			}
			typed, err := results.Read(filepath.Join(reports, cellName))
			if err != nil || typed.Setup.Outcome != results.Error {
				t.Fatalf("results.json: %v, setup %+v; want the setup recorded as an error", err, typed)
			}
			if name == "a product never becomes ready" && (typed.Setup.Step != "wait-ready" || !strings.Contains(typed.Setup.Message, "--interval is-ready=")) {
				t.Errorf("setup error at %q: %s", typed.Setup.Step, typed.Setup.Message)
			}
			if n := kmsimProcesses(t); n > 0 {
				t.Errorf("%d kmsim processes were left running", n)
			}
		})
	}
}

// A request for more cells at once than the machine's memory holds is refused in one sentence, before
// anything starts.
func TestParallelBeyondMemoryIsRefused(t *testing.T) {
	reports := t.TempDir()
	r := kmconformIn(t, nil, "matrix", "--is", "all", "--apim", "all", "--parallel", "500", "--reports", reports)
	lines := strings.Split(strings.TrimSpace(r.output), "\n")
	if r.exit != 2 || len(lines) != 1 || !strings.Contains(lines[0], "--parallel 500 needs about") || !strings.Contains(lines[0], "use --parallel") {
		t.Errorf("exit %d; output:\n%s", r.exit, r.output)
	}
	if entries, _ := os.ReadDir(reports); len(entries) > 0 {
		t.Errorf("a refused matrix left %d entries in the reports folder", len(entries))
	}
}

// Ctrl-C while cells are starting stops every running cell cleanly, starts no other, and still writes the
// report of what ran.
func TestInterruptedParallelMatrixWritesItsReport(t *testing.T) {
	reports := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "kmconform"), "matrix", "--target", "sim", "--is", "7.1.0,7.2.0", "--apim", "4.5.0,4.6.0",
		"--parallel", "2", "--reports", reports)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmpFor(t), "KMSIM_START_DELAY=is=20s,apim=20s")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	waiting, sent := 0, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "waiting until IS and API-M are ready") {
			waiting++
		}
		if waiting == 2 && !sent {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // as a terminal's Ctrl-C
			sent = true
		}
	}
	err = cmd.Wait()
	if !sent {
		t.Fatalf("two cells never reached the readiness wait; output:\n%s", seen.String())
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130; output:\n%s", err, seen.String())
	}
	if n := kmsimProcesses(t); n > 0 {
		t.Errorf("%d kmsim processes were left running", n)
	}
	if left, _ := filepath.Glob(filepath.Join(tmpFor(t), "kmconform-*")); len(left) > 0 {
		t.Errorf("work folders were left behind: %v", left)
	}
	for _, want := range []string{"2 cells did not start", "2 interrupted", "report: "} {
		if !strings.Contains(seen.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, seen.String())
		}
	}
	m, err := report.Read(reports)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 2 || m.Summary.Interrupted != 2 {
		t.Errorf("the report covers %d cells (%+v), want the 2 interrupted ones", len(m.Cells), m.Summary)
	}
	for _, c := range m.Cells {
		if _, err := os.Stat(filepath.Join(reports, c.Name, "evidence", "wso2am.log")); err != nil {
			t.Errorf("%s: no evidence, so its cleanup did not run: %v", c.Name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(reports, "matrix.html")); err != nil {
		t.Errorf("no matrix.html after Ctrl-C: %v", err)
	}
}
