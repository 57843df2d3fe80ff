package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const junitHead = `<?xml version="1.0" encoding="UTF-8"?><testsuites><testsuite name="kmconform conformance">`
const junitTail = `</testsuite></testsuites>`

func writeCell(t *testing.T, root, name, cases string) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if cases != "" {
		if err := os.WriteFile(filepath.Join(dir, "junit.xml"), []byte(junitHead+cases+junitTail), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sampleReports(t *testing.T) string {
	root := t.TempDir()
	writeCell(t, root, "is-7.1.0_apim-4.5.0", `
<testcase name="[BeforeSuite]" status="passed"></testcase>
<testcase name="[It] Issuer agrees" status="passed"></testcase>
<testcase name="[It] Revocation refused" status="passed"><properties><property name="revocation-latency-ms" value="105"></property><property name="capability" value="&#34;revocation.notify&#34;"></property></properties></testcase>`)
	writeCell(t, root, "is-7.0.0_apim-4.6.0", `
<testcase name="[BeforeSuite]" status="skipped"><skipped message="skipped - XFAIL (https://x): connector sends ext_allowed_audience"></skipped></testcase>
<testcase name="[It] Issuer agrees" status="skipped"><skipped message="skipped"></skipped></testcase>`)
	writeCell(t, root, "is-7.2.0_apim-4.5.0", `
<testcase name="[It] Issuer agrees" status="failed"><failure message="Key Manager is registered with issuer &#34;https://localhost:9443/oauth2/token&#34;; Authorization: Basic YWRtaW46YWRtaW4=&#xA;more" type="failed"></failure></testcase>
<testcase name="[It] Key Manager mismatch refused" status="skipped"><skipped message="skipped - XFAIL (https://y): known"></skipped></testcase>
<testcase name="[It] Grants client_credentials" status="skipped"><skipped message="skipped - NOT_SUPPORTED in cell: no"></skipped></testcase>`)
	writeCell(t, root, "is-7.2.0_apim-4.4.0", `
<testcase name="[It] Key Manager mismatch refused" status="failed"><failure message="XPASS: km.restriction passed although listed"></failure></testcase>`)
	writeCell(t, root, "is-7.3.0_apim-4.5.0", `
<testcase name="[BeforeSuite]" status="failed"><failure message="setup step &#34;create applications&#34; failed: TLS trust is missing"></failure></testcase>`)
	writeCell(t, root, "is-7.3.0_apim-4.6.0", "") // interrupted: no JUnit
	return root
}

func TestReadClassifiesEveryOutcome(t *testing.T) {
	m, err := Read(sampleReports(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Outcome{
		"is-7.0.0_apim-4.6.0": KnownFailure,
		"is-7.1.0_apim-4.5.0": Passed,
		"is-7.2.0_apim-4.4.0": Stale,
		"is-7.2.0_apim-4.5.0": Regression,
		"is-7.3.0_apim-4.5.0": Regression,
		"is-7.3.0_apim-4.6.0": Regression,
	}
	for _, c := range m.Cells {
		if got := c.Verdict(); got != want[c.Name] {
			t.Errorf("%s: verdict %s, want %s", c.Name, got, want[c.Name])
		}
	}
	if got := m.Summary(); got != (Summary{Cells: 6, Passed: 1, KnownFailures: 1, Stale: 1, Regressions: 3}) {
		t.Errorf("summary = %+v", got)
	}
	if !m.Failed() {
		t.Error("a matrix with regressions did not fail")
	}
	c := m.cell("7.2.0", "4.5.0")
	outcomes := map[string]Outcome{}
	for _, s := range c.Specs {
		outcomes[s.Name] = s.Outcome
	}
	if outcomes["Key Manager mismatch refused"] != KnownFailure || outcomes["Grants client_credentials"] != NotSupported || outcomes["Issuer agrees"] != Regression {
		t.Errorf("spec outcomes = %v", outcomes)
	}
	if v, ok := m.cell("7.1.0", "4.5.0").measurement("revocation-latency-ms"); !ok || v != 105 {
		t.Errorf("latency = %v %v", v, ok)
	}
	if m.Cells[0].IS != "7.0.0" || m.Cells[len(m.Cells)-1].IS != "7.3.0" {
		t.Errorf("cells not sorted by version: %s … %s", m.Cells[0].Name, m.Cells[len(m.Cells)-1].Name)
	}
}

func TestReportsSeparateRegressionsFromKnownAndHideSecrets(t *testing.T) {
	root := sampleReports(t)
	m, err := Read(root)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := m.Write(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("paths = %v", paths)
	}
	md, _ := os.ReadFile(filepath.Join(root, "matrix.md"))
	html, _ := os.ReadFile(filepath.Join(root, "matrix.html"))
	for name, body := range map[string]string{"md": string(md), "html": string(html)} {
		if strings.Contains(body, "YWRtaW46YWRtaW4=") {
			t.Errorf("%s report leaks a credential", name)
		}
		for _, want := range []string{"Regressions", "Stale expectations", "Known incompatibilities", "TLS trust is missing", "ext_allowed_audience", "REGRESSION (setup)", "KNOWN (setup)", "PASS 2/2"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
	regIdx, knownIdx := strings.Index(string(md), "## Regressions"), strings.Index(string(md), "## Known incompatibilities")
	if regIdx < 0 || knownIdx < regIdx {
		t.Error("regressions must come before known incompatibilities")
	}
	if strings.Contains(string(html), "<script") {
		t.Error("the HTML report must be self-contained and script-free")
	}
	var js struct {
		Summary Summary `json:"summary"`
		Cells   []Cell  `json:"cells"`
	}
	raw, _ := os.ReadFile(filepath.Join(root, "matrix.json"))
	if err := json.Unmarshal(raw, &js); err != nil || js.Summary.Regressions != 3 || len(js.Cells) != 6 {
		t.Errorf("json summary = %+v (%v)", js.Summary, err)
	}
}

func TestReadWithoutCellsSaysWhatToDo(t *testing.T) {
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "run 'kmconform run'") {
		t.Errorf("err = %v", err)
	}
}
