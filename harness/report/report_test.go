package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

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
	c.IS, c.APIM, _ = ParseCellName(name)
	if c.Target == "" {
		c.Target = "sim"
	}
	if err := results.Write(dir, c); err != nil {
		t.Fatal(err)
	}
}

func spec(id string, o results.Outcome, msg string) results.Spec {
	area, _, _ := strings.Cut(id, ".")
	return results.Spec{ID: id, Area: area, Title: "title of " + id, Outcome: o, Message: msg, Refs: []string{"RFC"}}
}

// sampleReports writes one cell per verdict.
func sampleReports(t *testing.T) string {
	root := t.TempDir()
	passed := results.Setup{Outcome: results.Passed}
	latency := spec("revocation.latency", results.Passed, "")
	latency.Measurements = map[string]float64{LatencyP50: 120, LatencyP95: 480, LatencyMax: 510, LatencySamples: 20}
	writeCell(t, root, "is-7.1.0_apim-4.5.0", &results.Cell{Setup: passed,
		Specs:              []results.Spec{spec("issuer.agrees", results.Passed, ""), latency},
		DocumentationDrift: []results.Drift{{Field: "issuer", Documented: "https://localhost:9444/oauth2/token", Served: "https://wso2is:9443/oauth2/token", Source: "API-M docs"}}})
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
	writeCell(t, root, "is-7.3.0_apim-4.4.0", &results.Cell{Target: "official",
		Setup: results.Setup{Outcome: results.Error, Step: "wait-ready", Message: "wso2am to be ready: not within 5m0s"},
		Specs: []results.Spec{spec("issuer.agrees", results.Skipped, "not run: the base setup failed")}})
	writeCell(t, root, "is-7.3.0_apim-4.3.0", &results.Cell{Target: "attach", Setup: passed, Specs: []results.Spec{
		spec("issuer.agrees", results.Passed, ""), spec("setup.toml", results.NotApplicable, "attach: deployment.toml not readable")}})
	writeCell(t, root, "is-7.3.0_apim-4.6.0", nil) // the run wrote nothing
	return root
}

func TestVerdictsAndExitCodes(t *testing.T) {
	m, err := Read(sampleReports(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		v     Verdict
		label string
	}{
		"is-7.0.0_apim-4.6.0": {Known, "KNOWN (setup)"},
		"is-7.1.0_apim-4.5.0": {Pass, "PASS 2/2"},
		"is-7.2.0_apim-4.4.0": {Stale, "STALE 1"},
		"is-7.2.0_apim-4.5.0": {Regression, "REGRESSION 1"},
		"is-7.3.0_apim-4.3.0": {Pass, "PASS 1/1, 1 n/a"},
		"is-7.3.0_apim-4.4.0": {Error, "ERROR (setup)"},
		"is-7.3.0_apim-4.5.0": {Regression, "REGRESSION (setup)"},
		"is-7.3.0_apim-4.6.0": {Error, "ERROR (setup)"},
	}
	for _, c := range m.Cells {
		if w := want[c.Name]; c.Verdict != w.v || c.Label != w.label {
			t.Errorf("%s: %s %q, want %s %q", c.Name, c.Verdict, c.Label, w.v, w.label)
		}
	}
	if got := m.Summary; got != (Summary{Cells: 8, Verdict: Regression, Passed: 2, KnownFailures: 1, Errors: 2, Stale: 1, Regressions: 2}) {
		t.Errorf("summary = %+v", got)
	}
	if m.ExitCode() != ExitFailed {
		t.Errorf("exit code %d with regressions, want %d", m.ExitCode(), ExitFailed)
	}
	if m.Cells[0].Name != "is-7.0.0_apim-4.6.0" || m.Cells[len(m.Cells)-1].Name != "is-7.3.0_apim-4.6.0" {
		t.Errorf("cells not sorted by version: %s … %s", m.Cells[0].Name, m.Cells[len(m.Cells)-1].Name)
	}
	if c := m.cell("7.1.0", "4.5.0"); c.Revocation == nil || *c.Revocation != (Latency{P50Ms: 120, P95Ms: 480, MaxMs: 510, Samples: 20}) {
		t.Errorf("revocation latency = %+v", c.Revocation)
	}
	var ids []string
	for _, col := range m.Checks {
		ids = append(ids, col.ID)
	}
	// Catalogue area order (setup, grants, issuer, revocation, mismatch), then by ID.
	if got := strings.Join(ids, " "); got != "setup.toml grants.client_credentials issuer.agrees revocation.latency mismatch.resident-token" {
		t.Errorf("columns = %s", got)
	}
}

func TestExitCodeOrder(t *testing.T) {
	cell := func(v Verdict) Cell { return Cell{Name: "is-7.1.0_apim-4.5.0", IS: "7.1.0", APIM: "4.5.0", Verdict: v} }
	for _, c := range []struct {
		cells []Verdict
		want  int
	}{
		{[]Verdict{Pass, Known}, ExitOK},
		{[]Verdict{Pass, Error}, ExitEnvironment},
		{[]Verdict{Error, Regression}, ExitFailed}, // a regression found is real whatever broke elsewhere
		{[]Verdict{Stale, Error}, ExitFailed},
		{[]Verdict{Pass, Interrupted}, ExitInterrupted},
		{[]Verdict{Interrupted, Error}, ExitEnvironment},
	} {
		var cells []Cell
		for _, v := range c.cells {
			cells = append(cells, cell(v))
		}
		if got := New(cells, time.Now()).ExitCode(); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.cells, got, c.want)
		}
	}
}

func TestReportsSeparateFindingsAndHideSecrets(t *testing.T) {
	root := sampleReports(t)
	m, err := Read(root)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := m.Write(root)
	if err != nil || len(paths) != 3 {
		t.Fatalf("paths = %v, %v", paths, err)
	}
	md, _ := os.ReadFile(filepath.Join(root, "matrix.md"))
	html, _ := os.ReadFile(filepath.Join(root, "matrix.html"))
	js, _ := os.ReadFile(filepath.Join(root, "matrix.json"))
	for name, body := range map[string]string{"md": string(md), "html": string(html), "json": string(js)} {
		if strings.Contains(body, "YWRtaW46YWRtaW4=") {
			t.Errorf("%s report leaks a credential", name)
		}
	}
	for name, body := range map[string]string{"md": string(md), "html": string(html)} {
		for _, want := range []string{"Regressions", "Stale expectations", "Environment or harness errors", "Known incompatibilities",
			"TLS trust is missing", "ext_allowed_audience", "wso2am to be ready", "REGRESSION (setup)", "KNOWN (setup)", "PASS 2/2",
			"Revocation latency", "480", "Documentation drift", "https://localhost:9444/oauth2/token"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
	regIdx, knownIdx := strings.Index(string(md), "## Regressions"), strings.Index(string(md), "## Known incompatibilities")
	if regIdx < 0 || knownIdx < regIdx {
		t.Error("regressions must come before known incompatibilities")
	}
	for _, asset := range []string{"<script", "<link", "<img", "@import", "url("} {
		if strings.Contains(string(html), asset) {
			t.Errorf("the HTML report must be self-contained; it has %q", asset)
		}
	}
	if strings.Contains(string(html), root) || strings.Contains(string(js), root) {
		t.Error("a report names an absolute path: links must be relative so the folder can move")
	}
	if !strings.Contains(string(html), `href="is-7.2.0_apim-4.5.0/results.json"`) {
		t.Error("the HTML report does not link each cell's results relatively")
	}
}

// TestMatrixJSONFollowsItsSchema validates matrix.json against the JSON Schema shipped in the repository,
// and shows that the schema refuses what it must.
func TestMatrixJSONFollowsItsSchema(t *testing.T) {
	sch := compileSchema(t)
	m, err := Read(sampleReports(t))
	if err != nil {
		t.Fatal(err)
	}
	js, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(decode(t, js)); err != nil {
		t.Fatalf("matrix.json does not follow %s: %v", "schema/matrix-v1.schema.json", err)
	}
	// The schema is not a rubber stamp: a wrong outcome, a missing field and an absolute cell folder fail.
	for name, mutate := range map[string]func(doc map[string]any){
		"unknown outcome": func(doc map[string]any) {
			cell(doc, 1)["specs"].([]any)[0].(map[string]any)["outcome"] = "flaky"
		},
		"missing verdict":  func(doc map[string]any) { delete(cell(doc, 0), "verdict") },
		"absolute dir":     func(doc map[string]any) { cell(doc, 0)["dir"] = "/tmp/reports/is-7.1.0_apim-4.5.0" },
		"newer version":    func(doc map[string]any) { doc["schemaVersion"] = 2 },
		"unexpected field": func(doc map[string]any) { doc["junit"] = "/abs/junit.xml" },
	} {
		doc := decode(t, js).(map[string]any)
		mutate(doc)
		if err := sch.Validate(doc); err == nil {
			t.Errorf("the schema accepts a matrix.json with %s", name)
		}
	}
}

func cell(doc map[string]any, i int) map[string]any {
	return doc["cells"].([]any)[i].(map[string]any)
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("schema", "matrix-v1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, Schema) {
		t.Fatal("the embedded schema differs from the file in the repository")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("matrix-v1.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("matrix-v1.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

func decode(t *testing.T, js []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestReadWithoutCellsSaysWhatToDo(t *testing.T) {
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "run 'kmconform run'") {
		t.Errorf("err = %v", err)
	}
}

// CI systems nest each job's folder in one of their own; merge finds the cells at any depth, copies them
// next to the report and refuses a cell found twice.
func TestMergeFindsCellsCopiesThemAndRefusesDuplicates(t *testing.T) {
	src := sampleReports(t)
	ci := t.TempDir()
	for i, d := range []string{"is-7.1.0_apim-4.5.0", "is-7.2.0_apim-4.5.0"} {
		// GitHub's download-artifact: <path>/<artifact name>/<files>; the second nests one level more.
		dst := filepath.Join(ci, d)
		if i == 1 {
			dst = filepath.Join(ci, d, d)
		}
		if err := copyDir(filepath.Join(src, d), dst); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "merged")
	m, err := Merge([]string{ci}, out, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 2 || m.Cells[0].Name != "is-7.1.0_apim-4.5.0" || m.Cells[1].Verdict != Regression {
		t.Fatalf("merged cells = %+v", m.Cells)
	}
	for _, d := range []string{"is-7.1.0_apim-4.5.0", "is-7.2.0_apim-4.5.0"} {
		if _, err := os.Stat(filepath.Join(out, d, "results.json")); err != nil {
			t.Errorf("merge did not copy %s next to the report: %v", d, err)
		}
	}
	if _, err := Merge([]string{ci, filepath.Join(src, "is-7.1.0_apim-4.5.0")}, out, time.Now()); err == nil || !strings.Contains(err.Error(), "merge each cell once") {
		t.Errorf("a cell found twice: err = %v", err)
	}
	if _, err := Merge([]string{t.TempDir()}, out, time.Now()); err == nil || !strings.Contains(err.Error(), "no cell folders") {
		t.Errorf("nothing to merge: err = %v", err)
	}
	var parsed Matrix
	js, _ := m.JSON()
	if err := json.Unmarshal(js, &parsed); err != nil || parsed.SchemaVersion != SchemaVersion {
		t.Errorf("matrix.json: %v, schema version %d", err, parsed.SchemaVersion)
	}
}
