package selftest

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/harness/httpcall"
	"github.com/kmconform/kmconform/harness/results"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// upCredentials is the part of the credentials file 'kmconform up' writes that this test reads.
type upCredentials struct {
	APIMAdmin struct{ Username, Password string } `json:"apimAdmin"`
	Resolve   map[string]string                   `json:"resolve"`
	ISApp     struct {
		AppID          string `json:"appId"`
		ConsumerSecret string `json:"consumerSecret"`
	} `json:"isApp"`
	ResidentApp struct {
		AppID          string `json:"appId"`
		ConsumerSecret string `json:"consumerSecret"`
	} `json:"residentApp"`
}

// apim is an admin client of the up cell's API-M, reached the way an attached run reaches it.
func apim(t *testing.T, credsFile, caFile string) (*wso2am.Client, upCredentials) {
	t.Helper()
	var creds upCredentials
	raw, err := os.ReadFile(credsFile)
	if err != nil || json.Unmarshal(raw, &creds) != nil {
		t.Fatalf("read %s: %v", credsFile, err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := httpcall.NewClient(httpcall.ClientOptions{Roots: roots, Timeout: 30 * time.Second,
		Resolve: func(host string, port int) (string, bool) {
			addr, ok := creds.Resolve[net.JoinHostPort(host, strconv.Itoa(port))]
			return addr, ok
		}})
	return &wso2am.Client{HTTP: client, Base: "https://wso2am:9443", Gateway: "https://wso2am:8243",
		AdminUser: creds.APIMAdmin.Username, AdminPassword: creds.APIMAdmin.Password}, creds
}

// footprint is what exists in API-M: Key Managers, APIs and applications, by name.
func footprint(t *testing.T, am *wso2am.Client) map[string][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := map[string][]string{}
	kms, err := am.ListKeyManagers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kms {
		out["key managers"] = append(out["key managers"], k.Name)
	}
	apis, err := am.ListAPIs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apis {
		out["apis"] = append(out["apis"], a.Name)
	}
	apps, err := am.ListApplications(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		out["applications"] = append(out["applications"], a.Name)
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

// A pair brought up with 'kmconform up', then checked as a staging pair kmconform did not start: the run
// refuses to register a second Key Manager for IS, runs the HTTP checks against the Key Manager it is told
// to reuse, and leaves API-M as it found it — also when it registers a Key Manager of its own.
func TestAttachRunsHTTPChecksAndLeavesNoTrace(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Cleanup(func() { kmconform(t, "down", "--all") })
	up := kmconform(t, "up", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0")
	if up.exit != 0 {
		t.Fatalf("up: exit %d; output:\n%s", up.exit, up.output)
	}
	dir := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "kmconform", "up")
	credsFile, caFile := filepath.Join(dir, cellName+"-credentials.json"), filepath.Join(dir, cellName+"-ca.pem")
	if !strings.Contains(up.output, "kmconform run --target attach") {
		t.Errorf("up does not say how to attach to the cell:\n%s", up.output)
	}
	am, creds := apim(t, credsFile, caFile)
	before := footprint(t, am)
	if len(before["key managers"]) < 2 || len(before["apis"]) != 1 || len(before["applications"]) < 2 {
		t.Fatalf("the up cell's API-M holds %v, want its Key Manager, API and two applications", before)
	}
	secrets := []string{creds.ISApp.ConsumerSecret, creds.ResidentApp.ConsumerSecret}
	attach := func(extra ...string) result {
		t.Helper()
		r := kmconform(t, append([]string{"run", "--target", "attach", "--is", "7.1.0", "--apim", "4.5.0",
			"--is-url", "https://wso2is:9443", "--apim-url", "https://wso2am:9443", "--credentials", credsFile, "--ca", caFile}, extra...)...)
		for _, s := range secrets {
			if strings.Contains(r.output, s) {
				t.Errorf("the output of an attached run shows a secret of the credentials file")
			}
		}
		return r
	}

	// up registered IS as a Key Manager: a second one for the same issuer would take over its tokens.
	refused := attach()
	if lines := strings.Split(strings.TrimSpace(refused.output), "\n"); refused.exit != 2 || len(lines) != 1 ||
		!strings.Contains(lines[0], "already has a Key Manager named kmconform-is7 that this run did not create: pass --reuse-key-manager kmconform-is7") {
		t.Errorf("a run that would register a second Key Manager: exit %d; output:\n%s", refused.exit, refused.output)
	}
	if refused.report != "" {
		t.Errorf("a refused run left a report folder: %s", refused.report)
	}
	if unknown := attach("--reuse-key-manager", "nope"); unknown.exit != 2 || !strings.Contains(unknown.output, `no Key Manager named "nope" to reuse`) {
		t.Errorf("reusing a Key Manager that does not exist: exit %d; output:\n%s", unknown.exit, unknown.output)
	}
	if got := footprint(t, am); !reflect.DeepEqual(got, before) {
		t.Fatalf("a refused run changed API-M:\nbefore %v\nafter  %v", before, got)
	}

	// Told to reuse up's Key Manager: the HTTP checks run and pass; what the run created goes again.
	reused := attach("--reuse-key-manager", "kmconform-is7")
	if reused.exit != 0 {
		t.Fatalf("attached run: exit %d; output:\n%s", reused.exit, reused.output)
	}
	expectHTTPChecksRan(t, reused)
	if got := footprint(t, am); !reflect.DeepEqual(got, before) {
		t.Errorf("the attached run left a trace in API-M:\nbefore %v\nafter  %v", before, got)
	}
	assertNoSecrets(t, reused)
	assertNoneOf(t, reused, secrets)

	// Without up's Key Manager, API and applications, the run registers IS itself and removes it at the end.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range []string{creds.ISApp.AppID, creds.ResidentApp.AppID} {
		if err := am.DeleteApplication(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	apis, err := am.ListAPIs(ctx, "")
	if err != nil || len(apis) != 1 {
		t.Fatalf("APIs: %v %v", apis, err)
	}
	if err := am.DeleteAPI(ctx, apis[0].ID); err != nil {
		t.Fatal(err)
	}
	kms, _ := am.ListKeyManagers(ctx)
	var upKM *wso2am.KeyManager
	for _, k := range kms {
		if k.Name == "kmconform-is7" {
			if upKM, err = am.GetKeyManager(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			if err := am.DeleteKeyManager(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A Key Manager of another name for IS's issuer (a staging team's own registration) is refused too.
	other := *upKM
	other.ID, other.Name = "", "staging-is"
	staging, err := am.CreateKeyManager(ctx, &other)
	if err != nil {
		t.Fatal(err)
	}
	if r := attach(); r.exit != 2 || !strings.Contains(r.output, "already has Key Manager staging-is for IS's issuer") ||
		!strings.Contains(r.output, "pass --reuse-key-manager staging-is") {
		t.Errorf("a run that would register a second Key Manager for IS's issuer: exit %d; output:\n%s", r.exit, r.output)
	}
	if err := am.DeleteKeyManager(ctx, staging.ID); err != nil {
		t.Fatal(err)
	}
	bare := footprint(t, am)
	own := attach()
	if own.exit != 0 {
		t.Fatalf("attached run registering its own Key Manager: exit %d; output:\n%s", own.exit, own.output)
	}
	expectHTTPChecksRan(t, own)
	transcript, _ := os.ReadFile(filepath.Join(own.report, "http-transcript.log"))
	for _, want := range []string{"[setup register-key-manager]", "[cleanup Key Manager kmconform-is7]", "[cleanup API KmconformEcho-"} {
		if !strings.Contains(string(transcript), want) {
			t.Errorf("the transcript lacks %q: the run did not create and remove its own Key Manager and API", want)
		}
	}
	if got := footprint(t, am); !reflect.DeepEqual(got, bare) {
		t.Errorf("the run's own Key Manager or API outlived it:\nbefore %v\nafter  %v", bare, got)
	}
	assertNoneOf(t, own, secrets)
}

// expectHTTPChecksRan: every check ran and passed, except those that read the products' files, which are
// not applicable with the reason.
func expectHTTPChecksRan(t *testing.T, r result) {
	t.Helper()
	if r.results == nil || r.results.Target != "attach" {
		t.Fatalf("no results.json of the attach target; output:\n%s", r.output)
	}
	passed := 0
	otherProfiles := notDefaultProfile(catalogue(t))
	for _, s := range r.results.Specs {
		switch s.Outcome {
		case results.NotSupported:
			if !otherProfiles[s.ID] && s.Link == "" {
				t.Errorf("%s: %s without the matrix's link: %s", s.ID, s.Outcome, s.Message)
			}
		case results.Passed:
			passed++
		case results.NotApplicable:
			if !strings.Contains(s.Message, "attach: deployment.toml not readable") {
				t.Errorf("%s is not applicable without the reason: %s", s.ID, s.Message)
			}
		case results.XFail:
			// A known incompatibility of the cell, with the matrix's link.
			if s.Link == "" {
				t.Errorf("%s: %s without the matrix's link: %s", s.ID, s.Outcome, s.Message)
			}
		default:
			t.Errorf("%s: %s: %s", s.ID, s.Outcome, s.Message)
		}
	}
	if passed == 0 {
		t.Errorf("no check ran against the attached pair")
	}
	for _, st := range r.results.Setup.Steps {
		if st.Kind == "setup" && !slices.Contains([]string{"wait-ready", "read-discovery", "register-key-manager", "publish-api"}, st.ID) {
			t.Errorf("setup step %s ran against a pair kmconform did not start", st.ID)
		}
	}
}

// assertNoneOf fails when any of the given secrets appears in the console or a report file.
func assertNoneOf(t *testing.T, r result, secrets []string) {
	t.Helper()
	_ = filepath.Walk(r.report, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(path)
			for _, s := range secrets {
				if s != "" && strings.Contains(string(b), s) {
					t.Errorf("%s holds a secret of the credentials file", path)
				}
			}
		}
		return nil
	})
}
