// Package selftest runs kmconform end to end against the simulator: once as documented, where every spec
// must pass, and once per setup fault, where the spec (or setup step) that exists to catch that fault must
// fail with a message naming the cause. A check that cannot fail is a defect; these runs prove they can.
package selftest

import (
	"bytes"
	"encoding/xml"
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
	exit   int
	output string
	report string // reports/<cell>
	cases  []junitCase
}

type junitCase struct {
	Name    string `xml:"name,attr"`
	Status  string `xml:"status,attr"`
	Failure *struct {
		Message string `xml:"message,attr"`
	} `xml:"failure"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
}

func (r result) find(t *testing.T, prefix string) junitCase {
	t.Helper()
	for _, c := range r.cases {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	t.Fatalf("no JUnit testcase starting with %q; output:\n%s", prefix, r.output)
	return junitCase{}
}

// kmconform runs the CLI with args and reads the cell's JUnit, if any.
func kmconform(t *testing.T, args ...string) result {
	t.Helper()
	reports := t.TempDir()
	if (args[0] == "run" || args[0] == "up") && !slices.Contains(args, "--reports") {
		args = append(args, "--reports", reports)
	}
	cmd := exec.Command(filepath.Join(binDir, "kmconform"), args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmpFor(t))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := result{output: out.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.exit = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run kmconform: %v", err)
	}
	cells, _ := filepath.Glob(filepath.Join(reports, "is-*"))
	if len(cells) == 1 {
		r.report = cells[0]
		if raw, err := os.ReadFile(filepath.Join(r.report, "junit.xml")); err == nil {
			var js struct {
				Suites []struct {
					Cases []junitCase `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(raw, &js); err != nil {
				t.Fatalf("JUnit is not valid XML: %v", err)
			}
			for _, s := range js.Suites {
				r.cases = append(r.cases, s.Cases...)
			}
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

// The four specs of the skeleton, by the start of their JUnit names.
const (
	specIssuer     = "[It] Issuer "
	specGrant      = "[It] Grants client_credentials"
	specRevocation = "[It] Revocation "
	specMismatch   = "[It] Key Manager mismatch "
	setupNode      = "[BeforeSuite]"
)

func TestDocumentedSetupPassesEverySpec(t *testing.T) {
	r := simRun(t)
	if r.exit != 0 {
		t.Fatalf("exit %d; output:\n%s", r.exit, r.output)
	}
	for _, spec := range []string{specIssuer, specGrant, specRevocation, specMismatch} {
		if c := r.find(t, spec); c.Status != "passed" {
			t.Errorf("%s: status %s", c.Name, c.Status)
		}
	}
	latency := ""
	for _, p := range r.find(t, specRevocation).Properties {
		if p.Name == "revocation-latency-ms" {
			latency = p.Value
		}
	}
	if !regexp.MustCompile(`^\d+$`).MatchString(latency) {
		t.Errorf("revocation latency entry = %q, want milliseconds", latency)
	}
	for _, f := range []string{"junit.xml", "http-transcript.log", "evidence/wso2is.log", "evidence/wso2am-deployment.toml", "evidence/wso2is-deployment.toml"} {
		if _, err := os.Stat(filepath.Join(r.report, f)); err != nil {
			t.Errorf("report lacks %s: %v", f, err)
		}
	}
	assertNoSecrets(t, r)
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

func TestEachFaultIsCaughtByItsSpec(t *testing.T) {
	cases := []struct {
		fault, spec, cause string
		othersPass         []string
	}{
		{"wrong-issuer", specIssuer, "is registered in API-M with issuer", nil},
		{"no-jar", specRevocation, "the revocation notification did not reach API-M", []string{specIssuer, specGrant, specMismatch}},
		{"no-event-listener", specRevocation, "the revocation notification did not reach API-M", []string{specIssuer, specGrant, specMismatch}},
		{"no-trust", setupNode, "TLS trust is missing", nil},
		{"open-api", specMismatch, "Key Manager restriction is not enforced", []string{specIssuer, specGrant, specRevocation}},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			r := simRun(t, "--inject-fault", c.fault, "--interval", "revocation=3s/100ms")
			if r.exit != 1 {
				t.Fatalf("exit %d, want 1 (specs failed); output:\n%s", r.exit, r.output)
			}
			got := r.find(t, c.spec)
			if got.Status != "failed" || got.Failure == nil {
				t.Fatalf("%s: status %s, want failed", got.Name, got.Status)
			}
			if !strings.Contains(got.Failure.Message, c.cause) {
				t.Errorf("%s failed without naming the cause %q:\n%s", got.Name, c.cause, got.Failure.Message)
			}
			for _, other := range c.othersPass {
				if o := r.find(t, other); o.Status != "passed" {
					t.Errorf("fault %s also broke %s (%s): the fault is not isolated", c.fault, o.Name, o.Status)
				}
			}
			assertNoSecrets(t, r)
		})
	}
}

func TestBadInputGetsOneSentence(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"unknown IS version": {[]string{"run", "--target", "sim", "--is", "7.9.0", "--apim", "4.5.0"}, `unknown IS version "7.9.0": kmconform knows 7.0.0, 7.1.0, 7.2.0, 7.3.0`},
		"missing version":    {[]string{"run", "--target", "sim", "--is", "7.1.0"}, "both --is and --apim are needed"},
		"unknown target":     {[]string{"run", "--target", "cloud", "--is", "7.1.0", "--apim", "4.5.0"}, `unknown target "cloud"`},
		"official target, JAR unreachable": {[]string{"run", "--is", "7.1.0", "--apim", "4.5.0", "--maven-repo", "http://127.0.0.1:9/maven"},
			"download wso2is.notification.event.handlers-2.1.3.jar from http://127.0.0.1:9/maven"},
		"unknown fault":   {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--inject-fault", "gremlins"}, `unknown fault "gremlins"`},
		"bad interval":    {[]string{"run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--interval", "revocation=soon"}, "positive duration"},
		"unknown command": {[]string{"deploy"}, `unknown command "deploy"`},
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
