package selftest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// specEntry is what 'kmconform specs --json' prints per check (the fields this test reads).
type specEntry struct {
	ID         string   `json:"id"`
	Area       string   `json:"area"`
	Capability string   `json:"capability"`
	Title      string   `json:"title"`
	Refs       []string `json:"refs"`
	// Profiles are the Key Manager profiles that run the check.
	Profiles []string `json:"profiles"`
	Faults   []struct {
		Name  string `json:"name"`
		Kind  string `json:"kind"`
		Cause string `json:"cause"`
	} `json:"faults"`
}

// catalogue reads the catalogue the way a user would: through 'kmconform specs --json'.
func catalogue(t *testing.T) []specEntry { t.Helper(); return catalogueOf(t, "") }

// catalogueOf reads the checks a label filter selects.
func catalogueOf(t *testing.T, filter string) []specEntry {
	t.Helper()
	r := kmconform(t, "specs", "--json", "--label-filter", filter)
	if r.exit != 0 {
		t.Fatalf("kmconform specs --json: exit %d\n%s", r.exit, r.output)
	}
	var all []specEntry
	if err := json.Unmarshal([]byte(r.output), &all); err != nil {
		t.Fatalf("kmconform specs --json is not a JSON array: %v\n%s", err, r.output)
	}
	for _, s := range all {
		if s.ID == "" || s.Area == "" || s.Capability == "" || s.Title == "" || len(s.Refs) == 0 || len(s.Faults) == 0 {
			t.Errorf("check %q lacks id, area, capability, title, refs or faults", s.ID)
		}
	}
	return all
}

// TestEveryCheckFailsUnderEachOfItsFaults is the proof that no check is a test that cannot fail: for each
// fault the catalogue names, one run with that fault (selecting, by label, the checks that declare it)
// must report every one of those checks failed, with a message that contains the cause the check
// declares. A check runs under the default Key Manager profile when that profile runs it, else under the
// first profile that does (--km-profile): one run per fault and profile.
func TestEveryCheckFailsUnderEachOfItsFaults(t *testing.T) {
	type proof struct{ check, cause string }
	type run struct{ fault, profile string }
	byRun := map[run][]proof{}
	kind := map[string]string{}
	for _, s := range catalogue(t) {
		profile := "wso2-is7"
		if !slices.Contains(s.Profiles, profile) {
			if len(s.Profiles) == 0 {
				t.Errorf("check %s: no Key Manager profile runs it", s.ID)
				continue
			}
			profile = s.Profiles[0]
		}
		for _, f := range s.Faults {
			byRun[run{f.Name, profile}] = append(byRun[run{f.Name, profile}], proof{s.ID, f.Cause})
			kind[f.Name] = f.Kind
		}
	}
	runs := make([]run, 0, len(byRun))
	for r := range byRun {
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool {
		return runs[i].fault < runs[j].fault || (runs[i].fault == runs[j].fault && runs[i].profile < runs[j].profile)
	})
	for _, rn := range runs {
		fault := rn.fault
		name := fault
		filter := "fault:" + fault
		extra := []string{}
		if rn.profile != "wso2-is7" {
			// Only that profile's checks: the others of the fault are the default profile's run.
			name += "/" + rn.profile
			var ids []string
			for _, p := range byRun[rn] {
				ids = append(ids, "id:"+p.check)
			}
			filter = "fault:" + fault + " && (" + strings.Join(ids, " || ") + ")"
			extra = []string{"--km-profile", rn.profile}
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			flag := map[string]string{"setup": "--inject-fault", "product": "--sim-fault"}[kind[fault]]
			if flag == "" {
				t.Fatalf("fault %s has kind %q", fault, kind[fault])
			}
			r := simRun(t, append([]string{flag, fault, "--label-filter", filter,
				"--interval", "revocation=3s/10ms,gateway-propagation=3s/50ms,token-expiry=3s/50ms"}, extra...)...)
			if r.exit != 1 {
				t.Fatalf("exit %d, want 1 (checks failed); output:\n%s", r.exit, r.output)
			}
			for _, p := range byRun[rn] {
				got := r.spec(t, p.check)
				if got.Outcome != "failed" {
					t.Errorf("%s under fault %s: %s (%s), want failed", p.check, fault, got.Outcome, got.Message)
					continue
				}
				if !strings.Contains(got.Message, p.cause) {
					t.Errorf("%s failed under fault %s without naming the cause %q:\n%s", p.check, fault, p.cause, got.Message)
				}
			}
			assertNoSecrets(t, r)
		})
	}
}

// The harness and the simulator keep separate lists of the product faults (they never share code); the
// lists must agree, or a check would declare a fault the simulator cannot play.
func TestSimulatorPlaysEveryProductFaultTheCatalogueNames(t *testing.T) {
	out, err := exec.Command(filepath.Join(binDir, "kmsim"), "faults").Output()
	if err != nil {
		t.Fatalf("kmsim faults: %v", err)
	}
	var played []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		played = append(played, strings.SplitN(line, "\t", 2)[0])
	}
	var named []string
	for _, s := range catalogue(t) {
		for _, f := range s.Faults {
			if f.Kind == "product" && !slices.Contains(named, f.Name) {
				named = append(named, f.Name)
			}
		}
	}
	sort.Strings(played)
	sort.Strings(named)
	if !slices.Equal(played, named) {
		t.Errorf("kmsim plays %v; the checks declare product faults %v", played, named)
	}
}

// badMatrix is the built-in matrix with an expectation whose range matches no known version.
func badMatrix(t *testing.T) string {
	t.Helper()
	path := matrixWith(t, `  - is: "*"
    apim: "<4.0.0"
    capability: issuer
    status: unsupported
    reason: selftest
`)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	return path
}
