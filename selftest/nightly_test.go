package selftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/fixtures"
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
