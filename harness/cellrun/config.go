// Package cellrun turns a run configuration into a set-up cell and back into nothing: it picks the backend,
// the notification JAR and the matrix cell, runs the topology, keeps the evidence under reports/<cell>/ and
// tears everything down. The conformance suite and the up/down commands share it.
package cellrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/faults"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/notifjar"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/setup"
)

// Targets kmconform can run a cell against.
const (
	TargetSim       = "sim"        // kmsim processes on this machine
	TargetSimDocker = "sim-docker" // kmsim images built locally FROM scratch, on Docker
	TargetOfficial  = "official"   // the official WSO2 images, on Docker
	TargetAttach    = "attach"     // a running IS and API-M kmconform did not start (Config.Attach)
)

// Targets lists every target name.
var Targets = []string{TargetOfficial, TargetSim, TargetSimDocker, TargetAttach}

// Attach is a running pair kmconform did not start (a staging deployment).
type Attach struct {
	ISURL      string `json:"isUrl"`
	APIMURL    string `json:"apimUrl"`
	GatewayURL string `json:"gatewayUrl"`
	// Credentials is the credentials file (kmconform up writes one): isAdmin and apimAdmin, each with a
	// username and a password, and optionally resolve, host:port -> address to dial.
	Credentials string `json:"credentials"`
	// CA is a PEM file of the CA the products' certificates chain to; "" trusts the system roots.
	CA string `json:"ca,omitempty"`
	// ReuseKeyManager and ReuseAPI name what to run against instead of creating it.
	ReuseKeyManager string `json:"reuseKeyManager,omitempty"`
	ReuseAPI        string `json:"reuseApi,omitempty"`
	// BackendURL is the endpoint of the API the run publishes (reachable from API-M).
	BackendURL string `json:"backendUrl,omitempty"`
	// DiscoveryURL is the provider's discovery document (profiles other than the default; default: IS's,
	// under ISURL).
	DiscoveryURL string `json:"discoveryUrl,omitempty"`
}

// Config is everything one cell's run needs; the CLI writes it, the suite reads it.
type Config struct {
	IS     string `json:"is"`
	APIM   string `json:"apim"`
	Target string `json:"target"`
	// ReportDir is reports/<cell>: JUnit, evidence, transcripts.
	ReportDir string `json:"reportDir"`
	// Kmsim is the kmsim binary (sim targets).
	Kmsim string `json:"kmsim,omitempty"`
	// Matrix is a matrix file to use instead of the built-in one.
	Matrix string `json:"matrix,omitempty"`
	// Intervals overrides named intervals ("revocation=60s/250ms,…").
	Intervals string `json:"intervals,omitempty"`
	// Faults injects setup faults (kmconform's self-test only).
	Faults string `json:"faults,omitempty"`
	// SimFaults asks the simulator to play product faults (simulator targets only).
	SimFaults string `json:"simFaults,omitempty"`
	// LabelFilter selects checks by label (Ginkgo's label filter syntax).
	LabelFilter string `json:"labelFilter,omitempty"`
	// Seed orders the checks (they run in a random order; the same seed repeats an order).
	Seed int64 `json:"seed,omitempty"`
	// KeepWorkDir leaves process homes on disk after the run.
	KeepWorkDir bool `json:"keepWorkDir,omitempty"`
	// ISImage and APIMImage override the matrix's official images (a mirror or an updated image).
	ISImage   string `json:"isImage,omitempty"`
	APIMImage string `json:"apimImage,omitempty"`
	// NotificationJAR is a local copy of the handler JAR; NotificationJARVersion picks the Maven version.
	NotificationJAR        string `json:"notificationJar,omitempty"`
	NotificationJARVersion string `json:"notificationJarVersion,omitempty"`
	// MavenRepo replaces WSO2's Maven repository (a mirror).
	MavenRepo string `json:"mavenRepo,omitempty"`
	// RunID labels everything the run creates (docker targets).
	RunID string `json:"runId,omitempty"`
	// Detach leaves process nodes running after kmconform exits (kmconform up).
	Detach bool `json:"detach,omitempty"`
	// Attach is the pair to run against (target attach).
	Attach *Attach `json:"attach,omitempty"`
	// Profile is the Key Manager profile (harness/plan Profiles); "" is the default, WSO2 IS 7.
	Profile string `json:"profile,omitempty"`
}

// OfficialImages are the IS and API-M images of the official target: the matrix's, or the overrides.
func (c Config) OfficialImages(cell matrix.Cell) map[containers.Product]string {
	pick := func(override, image string) string {
		if override != "" {
			return override
		}
		return image
	}
	return map[containers.Product]string{
		containers.IS:   pick(c.ISImage, cell.IS.Image),
		containers.APIM: pick(c.APIMImage, cell.APIM.Image),
	}
}

// JARVersion is the notification handler version to deploy: --notification-jar-version, else the one the
// cell's API-M documentation names (matrix notificationJar), else notifjar.DefaultVersion.
func (c Config) JARVersion(cell matrix.Cell) string {
	for _, v := range []string{c.NotificationJARVersion, cell.APIM.NotificationJar} {
		if v != "" {
			return v
		}
	}
	return notifjar.DefaultVersion
}

// UsesDocker reports whether the target runs containers.
func (c Config) UsesDocker() bool { return c.Target == TargetSimDocker || c.Target == TargetOfficial }

// LoadMatrix returns the configured matrix, or the built-in one.
func (c Config) LoadMatrix() (*matrix.Matrix, error) {
	if c.Matrix == "" {
		return matrix.Default()
	}
	raw, err := os.ReadFile(c.Matrix)
	if err != nil {
		return nil, fmt.Errorf("read matrix file: %w", err)
	}
	m, err := matrix.Parse(raw, c.Matrix)
	if err != nil {
		return nil, fmt.Errorf("%w: correct it, or leave out --matrix to use the built-in matrix", err)
	}
	return m, nil
}

// Checked is what Validate resolved from a Config.
type Checked struct {
	Cell    matrix.Cell
	Profile *plan.Profile
	// SetupFaults change the plan; ProductFaults are played by the simulator.
	SetupFaults, ProductFaults []faults.Fault
}

// Validate checks everything that can be checked before anything starts, and applies interval overrides.
func (c Config) Validate() (Checked, error) {
	if !slices.Contains(Targets, c.Target) {
		return Checked{}, fmt.Errorf("unknown target %q: use one of %s", c.Target, strings.Join(Targets, ", "))
	}
	m, err := c.LoadMatrix()
	if err != nil {
		return Checked{}, err
	}
	for i, e := range m.Expectations {
		if e.Setup != "" && !slices.Contains(setup.StepIDs(), e.Setup) && !fixture.Known(e.Setup) {
			return Checked{}, fmt.Errorf("matrix expectation %d names unknown setup step or fixture %q: use one of %s, or a fixture (%s)",
				i+1, e.Setup, strings.Join(setup.StepIDs(), ", "), strings.Join(fixture.Names(), ", "))
		}
	}
	prof, err := plan.ProfileNamed(c.Profile)
	if err != nil {
		return Checked{}, err
	}
	// 'kmconform up' (Detach) brings a pair up for a profile, also one that only attached runs check.
	if targets := map[bool][]string{false: prof.Targets, true: prof.Up}[c.Detach]; !slices.Contains(targets, c.Target) {
		return Checked{}, fmt.Errorf("the %s profile runs on %s, not on target %s: %s", prof.Name, strings.Join(targets, ", "), c.Target, profileTargetHint(prof))
	}
	cell, err := m.Cell(c.IS, c.APIM)
	if err != nil {
		return Checked{}, err
	}
	if cell, err = cell.WithProfile(prof.Name, prof.Name == plan.DefaultProfile, prof.Expectations); err != nil {
		return Checked{}, err
	}
	out := Checked{Cell: cell, Profile: prof}
	if out.SetupFaults, err = faults.Parse(c.Faults, faults.Setup); err != nil {
		return Checked{}, err
	}
	if out.ProductFaults, err = faults.Parse(c.SimFaults, faults.Product); err != nil {
		return Checked{}, err
	}
	if len(out.SetupFaults) > 0 && prof.Name != plan.DefaultProfile {
		return Checked{}, fmt.Errorf("--inject-fault breaks the documented WSO2 IS 7 setup; the %s profile has its own: leave it out or use --km-profile %s", prof.Name, plan.DefaultProfile)
	}
	if len(out.ProductFaults) > 0 && (c.Target == TargetOfficial || c.Target == TargetAttach) {
		who := map[string]string{TargetOfficial: "the official images", TargetAttach: "an attached pair"}[c.Target]
		return Checked{}, fmt.Errorf("--sim-fault makes the simulator play a product regression; %s cannot: use --target sim or sim-docker", who)
	}
	if c.Target == TargetAttach {
		if c.Attach == nil {
			return Checked{}, errors.New("--target attach needs --is-url, --apim-url and --credentials")
		}
		if len(out.SetupFaults) > 0 {
			return Checked{}, errors.New("--inject-fault changes the setup kmconform applies, and an attached pair is not set up by kmconform: leave it out")
		}
	}
	if _, err := types.ParseLabelFilter(c.LabelFilter); err != nil {
		return Checked{}, fmt.Errorf("--label-filter %q is not a valid label filter: %v", c.LabelFilter, firstLine(err.Error()))
	}
	if err := intervals.Override(c.Intervals); err != nil {
		return Checked{}, err
	}
	if c.ReportDir == "" {
		return Checked{}, errors.New("no report folder was given")
	}
	return out, nil
}

// profileTargetHint says how to run a profile where it does not run.
func profileTargetHint(p *plan.Profile) string {
	switch p.Name {
	case "asgardeo":
		return "Asgardeo is a SaaS: attach to it with --target attach (the simulator plays an organization through 'kmconform up --target sim --km-profile asgardeo')"
	case "obkm":
		return "the official images hold no Open Banking IS: use --target sim, or --target attach against an Open Banking IS"
	}
	return "choose one of those targets"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Save writes the config as JSON, without the password of a Maven mirror URL: the suite never needs it
// (the CLI has fetched the JAR already) and the file sits in reports/.
func (c Config) Save(path string) error {
	if u, err := url.Parse(c.MavenRepo); err == nil && c.MavenRepo != "" {
		c.MavenRepo = u.Redacted()
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	return os.WriteFile(path, b, 0o644)
}

// Load reads a config written by Save.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read run configuration: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("run configuration %s is not valid JSON: %w", path, err)
	}
	return c, nil
}
