package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/results"
)

func writeCell(t *testing.T, root, name string, c *results.Cell) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if c == nil {
		return
	}
	c.Cell = name
	c.IS, c.APIM, _ = parseCellName(name)
	if err := results.Write(dir, c); err != nil {
		t.Fatal(err)
	}
}

func spec(id string, o results.Outcome, msg string) results.Spec {
	return results.Spec{ID: id, Title: "t", Outcome: o, Message: msg}
}

func sampleReports(t *testing.T) string {
	root := t.TempDir()
	passed := results.Setup{Outcome: results.Passed}
	latency := spec("revocation.jwt.gateway", results.Passed, "")
	latency.Measurements = map[string]float64{"revocation-latency-ms": 105}
	writeCell(t, root, "is-7.1.0_apim-4.5.0", &results.Cell{Setup: passed,
		Specs: []results.Spec{spec("issuer.agrees", results.Passed, ""), latency}})
	writeCell(t, root, "is-7.0.0_apim-4.6.0", &results.Cell{
		Setup: results.Setup{Outcome: results.XFail, Step: "create-nodes", Message: "XFAIL (https://x): connector sends ext_allowed_audience"},
		Specs: []results.Spec{spec("issuer.agrees", results.Skipped, "not run")}})
	writeCell(t, root, "is-7.2.0_apim-4.5.0", &results.Cell{Setup: passed, Specs: []results.Spec{
		spec("issuer.agrees", results.Failed, "Key Manager is registered with issuer \"https://localhost:9443/oauth2/token\"; Authorization: Basic YWRtaW46YWRtaW4=\nmore"),
		spec("mismatch.resident-token", results.XFail, "XFAIL (https://y): known"),
		spec("grants.client_credentials", results.NotSupported, "NOT_SUPPORTED in cell: no")}})
	writeCell(t, root, "is-7.2.0_apim-4.4.0", &results.Cell{Setup: passed, Specs: []results.Spec{
		spec("mismatch.resident-token", results.XPass, "XPASS: km.restriction passed although listed")}})
	writeCell(t, root, "is-7.3.0_apim-4.5.0", &results.Cell{
		Setup: results.Setup{Outcome: results.Failed, Step: "register-key-manager", Message: "TLS trust is missing"}})
	writeCell(t, root, "is-7.3.0_apim-4.6.0", nil) // interrupted: no results
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
	if outcomes["[mismatch.resident-token] t"] != KnownFailure || outcomes["[grants.client_credentials] t"] != NotSupported || outcomes["[issuer.agrees] t"] != Regression {
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
