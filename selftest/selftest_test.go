// Package selftest runs kmconform end to end against the simulator: once as documented, where every check
// must pass, and once per fault a check declares, where every check that declares it must fail with a
// message naming the cause. A check that cannot fail is a defect; these runs prove they can.
package selftest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kmconform/kmconform/harness/notifjar"
	"github.com/kmconform/kmconform/harness/results"
)

var binDir string

func TestMain(m *testing.M) {
	dir, cleanup, err := binaries()
	if err != nil {
		fmt.Fprintln(os.Stderr, "selftest:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// binaries finds the binaries 'make build' wrote (KMCONFORM_BIN), or builds them into a temporary folder.
func binaries() (string, func(), error) {
	if dir := os.Getenv("KMCONFORM_BIN"); dir != "" {
		return dir, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "kmconform-selftest-bin-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	for _, args := range [][]string{
		{"build", "-o", filepath.Join(dir, "kmconform"), "./cmd/kmconform"},
		{"build", "-o", filepath.Join(dir, "kmsim"), "./cmd/kmsim"}, // CGO_ENABLED=0 below: the simulator images are FROM scratch
		{"test", "-c", "-o", filepath.Join(dir, "conformance.test"), "./suites/conformance"},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			cleanup()
			return "", nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir, cleanup, nil
}

type result struct {
	exit    int
	output  string
	report  string // reports/<cell>
	results *results.Cell
}

// spec returns a check's result.
func (r result) spec(t *testing.T, id string) results.Spec {
	t.Helper()
	if r.results == nil {
		t.Fatalf("the run wrote no results.json; output:\n%s", r.output)
	}
	for _, s := range r.results.Specs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("results.json has no check %s; output:\n%s", id, r.output)
	return results.Spec{}
}

// kmconform runs the CLI with args and reads the cell's results.json, if any.
func kmconform(t *testing.T, args ...string) result {
	t.Helper()
	reports := t.TempDir()
	if (args[0] == "run" || args[0] == "up") && !slices.Contains(args, "--reports") {
		args = append(args, "--reports", reports)
	}
	r := kmconformIn(t, nil, args...)
	cells, _ := filepath.Glob(filepath.Join(reports, "is-*"))
	if len(cells) == 1 {
		r.report = cells[0]
		if c, err := results.Read(r.report); err == nil {
			r.results = c
		} else if !errors.Is(err, results.ErrMissing) {
			t.Fatalf("results.json: %v", err)
		}
	}
	return r
}

func simRun(t *testing.T, extra ...string) result {
	t.Helper()
	before := kmsimProcesses(t)
	r := kmconform(t, append([]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0"}, extra...)...)
	if after := kmsimProcesses(t); after > before {
		t.Errorf("%d kmsim processes were left running after the run", after-before)
	}
	return r
}

var tmpDirs sync.Map // test name -> TMPDIR of its kmconform runs

// tmpFor is the TMPDIR every kmconform run of a test gets, so that the simulator processes of that test
// (their work folders live there) can be told from any other run's on this machine.
func tmpFor(t *testing.T) string {
	if dir, ok := tmpDirs.Load(t.Name()); ok {
		return dir.(string)
	}
	dir := t.TempDir()
	tmpDirs.Store(t.Name(), dir)
	return dir
}

// kmsimProcesses counts the running kmsim processes of this test's runs: those working under its TMPDIR
// (Linux /proc).
func kmsimProcesses(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc: cannot check for leftover processes")
	}
	root, err := filepath.EvalSymlinks(tmpFor(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("kmsim\x00")) {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && strings.HasPrefix(cwd, root+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

func TestDocumentedSetupPassesEveryCheck(t *testing.T) {
	pv := planOf(t, "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0")
	r := simRun(t)
	if r.exit != 0 {
		t.Fatalf("exit %d; output:\n%s", r.exit, r.output)
	}
	all := catalogue(t)
	if got := len(r.results.Specs); got != len(all) {
		t.Errorf("results.json lists %d checks, the catalogue %d", got, len(all))
	}
	otherProfiles := notDefaultProfile(all)
	for _, s := range r.results.Specs {
		// A known incompatibility of the default cell (the matrix lists it with its link) is met, not failed;
		// a check of another Key Manager profile is not_supported with its capability named.
		known := s.Outcome == results.XFail && strings.HasPrefix(s.Message, "XFAIL (http")
		if otherProfiles[s.ID] {
			if s.Outcome != results.NotSupported || !strings.Contains(s.Message, "NOT_SUPPORTED by Key Manager profile wso2-is7: it lacks capability "+s.Capability) {
				t.Errorf("%s (another profile's check): %s: %s", s.ID, s.Outcome, s.Message)
			}
			continue
		}
		if s.Outcome != results.Passed && !known {
			t.Errorf("%s: %s: %s", s.ID, s.Outcome, s.Message)
		}
		if s.Area == "" || s.Capability == "" || s.Title == "" || len(s.Refs) == 0 {
			t.Errorf("%s: results.json lacks area, capability, title or refs: %+v", s.ID, s)
		}
	}
	if r.results.SchemaVersion != results.SchemaVersion || r.results.Target != "sim" || r.results.Setup.Outcome != results.Passed {
		t.Errorf("results.json header: %+v", r.results)
	}
	if latency, ok := r.spec(t, "revocation.jwt.gateway").Measurements["revocation-latency-ms"]; !ok || latency <= 0 {
		t.Errorf("revocation latency = %v, want milliseconds", latency)
	}
	// The matrix report reads the latency distribution from these names (revocation.latency).
	dist := r.spec(t, "revocation.latency").Measurements
	for _, m := range []string{"revocation-latency-p50-ms", "revocation-latency-p95-ms", "revocation-latency-max-ms"} {
		if dist[m] <= 0 {
			t.Errorf("revocation.latency: %s = %v, want milliseconds", m, dist[m])
		}
	}
	if n := dist["revocation-latency-samples"]; n < 10 || dist["revocation-latency-p50-ms"] > dist["revocation-latency-p95-ms"] ||
		dist["revocation-latency-p95-ms"] > dist["revocation-latency-max-ms"] {
		t.Errorf("revocation.latency: %v, want at least 10 samples and p50 <= p95 <= max", dist)
	}
	for _, f := range []string{"results.json", "junit.xml", "http-transcript.log", "evidence/wso2is.log", "evidence/wso2am-deployment.toml", "evidence/wso2is-deployment.toml"} {
		if _, err := os.Stat(filepath.Join(r.report, f)); err != nil {
			t.Errorf("report lacks %s: %v", f, err)
		}
	}
	transcript, _ := os.ReadFile(filepath.Join(r.report, "http-transcript.log"))
	if !strings.Contains(string(transcript), "[check revocation.jwt.gateway]") || !strings.Contains(string(transcript), "[setup register-key-manager]") {
		t.Error("the transcript does not name the check or setup step of each exchange")
	}
	assertNoSecrets(t, r)
	holdPlan(t, pv, r)
}

// notDefaultProfile is the set of checks the default Key Manager profile does not run.
func notDefaultProfile(all []specEntry) map[string]bool {
	out := map[string]bool{}
	for _, s := range all {
		if !slices.Contains(s.Profiles, "wso2-is7") {
			out[s.ID] = true
		}
	}
	return out
}

// assertNoSecrets scans every report file and the console for secret shapes: Basic credentials, bearer
// tokens, JWTs, unmasked secret fields.
func assertNoSecrets(t *testing.T, r result) {
	t.Helper()
	secretShapes := regexp.MustCompile(`(?i)authorization: (basic|bearer) [a-z0-9]|eyJ[A-Za-z0-9_-]{10,}\.eyJ|"(consumerSecret|client_secret|access_token|accessToken|refresh_token|Password|password)"\s*:\s*"[^*"]|(password|client_secret)=[^*&\s]`)
	check := func(name, content string) {
		if m := secretShapes.FindString(content); m != "" {
			t.Errorf("%s contains a secret: %q", name, m)
		}
	}
	check("console output", r.output)
	_ = filepath.Walk(r.report, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(path)
			check(path, string(b))
		}
		return nil
	})
}

func TestBadInputGetsOneSentence(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"unknown IS version": {[]string{"run", "--target", "sim", "--is", "7.9.0", "--apim", "4.5.0"}, `unknown IS version "7.9.0": kmconform knows 7.0.0, 7.1.0, 7.2.0, 7.3.0`},
		"missing version":    {[]string{"run", "--target", "sim", "--is", "7.1.0"}, "both --is and --apim are needed"},
		"unknown target":     {[]string{"run", "--target", "cloud", "--is", "7.1.0", "--apim", "4.5.0"}, `unknown target "cloud"`},
		"attach options without the attach target": {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--is-url", "https://is.example.com"},
			"apply only to --target attach"},
		"attach without credentials": {[]string{"run", "--target", "attach", "--is", "7.1.0", "--apim", "4.5.0", "--is-url", "https://is.example.com", "--apim-url", "https://am.example.com"},
			"--target attach needs --credentials FILE"},
		"attach to a plain-HTTP URL": {[]string{"run", "--target", "attach", "--is", "7.1.0", "--apim", "4.5.0", "--is-url", "http://is.example.com", "--apim-url", "https://am.example.com", "--credentials", "/nonexistent"},
			`--is-url "http://is.example.com" must be an https URL`},
		"matrix on the attach target": {[]string{"matrix", "--target", "attach", "--is", "7.1.0", "--apim", "4.5.0"}, "use 'kmconform run --target attach'"},
		"merge without folders":       {[]string{"report", "merge", "--reports", "x"}, "report merge needs the folders to merge"},
		"unknown fault":               {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--inject-fault", "gremlins"}, `unknown setup fault "gremlins"`},
		"product fault as setup fault": {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--inject-fault", "is-token-iss-mismatch"},
			`"is-token-iss-mismatch" is a product fault: pass it with --sim-fault`},
		"product fault on the official images": {[]string{"run", "--is", "7.1.0", "--apim", "4.5.0", "--sim-fault", "is-token-iss-mismatch"},
			"the official images cannot: use --target sim or sim-docker"},
		"label filter selecting nothing": {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--label-filter", "area:nothing-here"},
			`--label-filter "area:nothing-here" selects no check`},
		"bad label filter": {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--label-filter", "area:x &&"},
			"is not a valid label filter"},
		"bad matrix range": {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--matrix", badMatrix(t)},
			`apim: "<4.0.0" matches none of the versions kmconform knows`},
		"bad interval":    {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--interval", "revocation=soon"}, "positive duration"},
		"unknown command": {[]string{"deploy"}, `unknown command "deploy"`},
		"unknown Key Manager profile": {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--km-profile", "keycloak"},
			`unknown Key Manager profile "keycloak": kmconform knows wso2-is7, oidc, asgardeo, obkm`},
		"unknown Key Manager profile in specs": {[]string{"specs", "--km-profile", "keycloak"}, `unknown Key Manager profile "keycloak"`},
		"obkm on the official images": {[]string{"run", "--is", "7.1.0", "--apim", "4.5.0", "--km-profile", "obkm"},
			"the official images hold no Open Banking IS"},
		"attach without API-M for a profile that needs one": {[]string{"run", "--target", "attach", "--km-profile", "obkm", "--is", "7.1.0", "--apim", "4.5.0",
			"--is-url", "https://is.example.com", "--credentials", "/nonexistent"}, "--target attach needs --apim-url"},
	}
	standIn := filepath.Join(t.TempDir(), "handler.jar")
	jar, err := notifjar.StandIn(notifjar.DefaultVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(standIn, jar, 0o644); err != nil {
		t.Fatal(err)
	}
	cases["official target with the stand-in JAR"] = struct {
		args []string
		want string
	}{[]string{"run", "--is", "7.1.0", "--apim", "4.5.0", "--notification-jar", standIn}, "stand-in for the notification JAR, which only the simulator accepts"}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := kmconform(t, c.args...)
			if r.exit != 2 {
				t.Errorf("exit %d, want 2; output:\n%s", r.exit, r.output)
			}
			lines := strings.Split(strings.TrimSpace(r.output), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], c.want) {
				t.Errorf("want one line containing %q, got:\n%s", c.want, r.output)
			}
			if r.report != "" {
				t.Errorf("bad input left a report folder behind: %s", r.report)
			}
		})
	}
}
