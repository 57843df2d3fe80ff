package selftest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reportFilter selects the checks the report tests need: some that pass everywhere, some that are known
// failures of IS 7.0.0 × API-M 4.6 (they need an IS application), the one open-api breaks, and one that
// records revocation latency. The report's logic does not depend on the size of the catalogue.
const reportFilter = "area:issuer || area:mismatch || id:revocation.jwt.gateway || id:revocation.latency || area:setup"

func TestMatrixReportSeparatesKnownIncompatibilities(t *testing.T) {
	reports := t.TempDir()
	r := kmconform(t, "matrix", "--target", "sim", "--is", "7.0.0", "--apim", "4.5.0,4.6.0", "--reports", reports, "--label-filter", reportFilter)
	if r.exit != 0 {
		t.Fatalf("a matrix with only known incompatibilities failed: exit %d; output:\n%s", r.exit, r.output)
	}
	md, err := os.ReadFile(filepath.Join(reports, "matrix.md"))
	if err != nil {
		t.Fatalf("no Markdown report: %v", err)
	}
	// The counts follow the catalogue; what matters is that both cells are green or known, never red.
	if row := regexp.MustCompile(`\| 7\.0\.0 \| (PASS \d+/\d+|KNOWN \d+, PASS \d+) \| KNOWN \d+, PASS \d+ \|`); !row.Match(md) {
		t.Errorf("matrix.md lacks the 7.0.0 row with a passing or known 4.5.0 cell and a known 4.6.0 cell:\n%s", md)
	}
	for _, want := range []string{"## Known incompatibilities", "ext_allowed_audience", "revocation-latency-ms"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("matrix.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(string(md), "## Regressions") {
		t.Errorf("a known incompatibility was reported as a regression:\n%s", md)
	}
	for _, f := range []string{"matrix.html", "matrix.json"} {
		if _, err := os.Stat(filepath.Join(reports, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}

	// A regression in one cell turns the rebuilt report red.
	bad := kmconform(t, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--inject-fault", "open-api", "--reports", reports, "--label-filter", reportFilter,
		"--interval", "revocation=3s/10ms,gateway-propagation=3s/50ms")
	if bad.exit != 1 {
		t.Fatalf("faulty cell: exit %d; output:\n%s", bad.exit, bad.output)
	}
	rebuilt := kmconform(t, "report", "--reports", reports)
	if rebuilt.exit != 1 || !strings.Contains(rebuilt.output, "1 with regressions") {
		t.Errorf("report with a regression: exit %d; output:\n%s", rebuilt.exit, rebuilt.output)
	}
	md, _ = os.ReadFile(filepath.Join(reports, "matrix.md"))
	if !strings.Contains(string(md), "## Regressions") || !strings.Contains(string(md), "Key Manager restriction is not enforced") {
		t.Errorf("the regression is missing from the rebuilt report:\n%s", md)
	}
}
