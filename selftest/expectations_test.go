package selftest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/fixtures"
)

// matrixWith writes the built-in matrix plus extra expectation entries to a file.
func matrixWith(t *testing.T, entries string) string {
	t.Helper()
	raw, err := fs.ReadFile(fixtures.FS, "matrix.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "\nexpectations:\n", "\nexpectations:\n"+entries, 1)
	if s == string(raw) {
		t.Fatal("the built-in matrix has no expectations list to extend")
	}
	path := filepath.Join(t.TempDir(), "matrix.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const restrictionKnownFailure = `  - is: "7.1.0"
    apim: "4.5.0"
    capability: km.restriction
    status: known-failure
    reason: selftest pretends the restriction is broken
    link: https://example.invalid/selftest
`

func TestKnownSetupIncompatibilityIsReportedNotFailed(t *testing.T) {
	r := kmconform(t, "run", "--target", "sim", "--is", "7.0.0", "--apim", "4.6.0")
	if r.exit != 0 {
		t.Fatalf("a known incompatibility failed the run: exit %d; output:\n%s", r.exit, r.output)
	}
	if !strings.Contains(r.output, "SETUP SKIPPED, no spec ran: XFAIL") || !strings.Contains(r.output, "ext_allowed_audience") {
		t.Errorf("the summary does not name the known incompatibility:\n%s", r.output)
	}
	if c := r.find(t, setupNode); c.Status != "skipped" {
		t.Errorf("%s: status %s, want skipped", c.Name, c.Status)
	}
}

func TestKnownCapabilityFailureIsXFAIL(t *testing.T) {
	r := simRun(t, "--matrix", matrixWith(t, restrictionKnownFailure), "--inject-fault", "open-api")
	if r.exit != 0 {
		t.Fatalf("exit %d; output:\n%s", r.exit, r.output)
	}
	if c := r.find(t, specMismatch); c.Status != "skipped" {
		t.Errorf("%s: status %s, want skipped as XFAIL", c.Name, c.Status)
	}
}

func TestStaleExpectationsAreXPASS(t *testing.T) {
	stale := restrictionKnownFailure + `  - is: "7.1.0"
    apim: "4.5.0"
    setup: create-applications
    status: known-failure
    reason: selftest pretends key generation is broken
    link: https://example.invalid/selftest
`
	r := simRun(t, "--matrix", matrixWith(t, stale))
	if r.exit != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s", r.exit, r.output)
	}
	for _, spec := range []string{specMismatch, "[It] Matrix expectations "} {
		c := r.find(t, spec)
		if c.Status != "failed" || c.Failure == nil || !strings.Contains(c.Failure.Message, "XPASS") {
			t.Errorf("%s: status %s, want failed with XPASS", c.Name, c.Status)
		}
	}
}

// A capability whose spec fails through a plain failure (not only a Gomega assertion) is still reported
// as XFAIL when the matrix lists it.
func TestKnownRevocationFailureIsXFAIL(t *testing.T) {
	entry := `  - is: "7.1.0"
    apim: "4.5.0"
    capability: revocation.notify
    status: known-failure
    reason: selftest pretends the notification is broken
    link: https://example.invalid/selftest
`
	r := simRun(t, "--matrix", matrixWith(t, entry), "--inject-fault", "no-jar", "--interval", "revocation=2s/100ms")
	if r.exit != 0 {
		t.Fatalf("exit %d; output:\n%s", r.exit, r.output)
	}
	if c := r.find(t, specRevocation); c.Status != "skipped" {
		t.Errorf("%s: status %s, want skipped as XFAIL", c.Name, c.Status)
	}
}
