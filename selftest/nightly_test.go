package selftest

import (
	"fmt"
	"os"
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
