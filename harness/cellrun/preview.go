package cellrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/containers/docker"
	"github.com/kmconform/kmconform/containers/process"
	"github.com/kmconform/kmconform/containers/simimage"
	"github.com/kmconform/kmconform/harness/checks"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/notifjar"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/setup"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// Preview is what a run of the cell would do, worked out without starting a product: 'kmconform plan'.
// It is built from the same plan (harness/plan, with the setup faults applied) and the same lists of files,
// probes and checks that the run executes. Nothing in it is a secret: passwords are masked.
type Preview struct {
	Cell          string   `json:"cell"`
	Profile       string   `json:"profile"`
	IS            string   `json:"is"`
	APIM          string   `json:"apim"`
	Target        string   `json:"target"`
	LabelFilter   string   `json:"labelFilter,omitempty"`
	SetupFaults   []string `json:"setupFaults,omitempty"`
	ProductFaults []string `json:"productFaults,omitempty"`
	// Backend says how the products run (kmsim processes, containers on Docker).
	Backend    string           `json:"backend"`
	Images     []ImagePreview   `json:"images"`
	Nodes      []NodePreview    `json:"nodes"`
	JAR        JARPreview       `json:"notificationJar"`
	KeyManager KMPreview        `json:"keyManager"`
	API        APIPreview       `json:"api"`
	Readiness  []ProbePreview   `json:"readiness"`
	Setup      []SetupPreview   `json:"knownSetupFailures,omitempty"`
	Checks     []CheckPreview   `json:"checks"`
	Counts     map[string]int   `json:"counts"`
	Steps      []SetupStepTitle `json:"setupSteps"`
}

// ImagePreview is the image a product runs from.
type ImagePreview struct {
	Product containers.Product `json:"product"`
	// Image is empty for the process target.
	Image string `json:"image,omitempty"`
	// State: "present locally", "pulled at run time", "built at run time", "kmsim process (no image)".
	State string `json:"state"`
}

// NodePreview is one product node and the files the setup writes into it.
type NodePreview struct {
	Node    string             `json:"node"`
	Product containers.Product `json:"product"`
	Version string             `json:"version"`
	Home    string             `json:"home"`
	// DefaultsFrom says where the default deployment.toml the merge starts from comes from.
	DefaultsFrom string        `json:"defaultsFrom"`
	Files        []FilePreview `json:"files"`
}

// FilePreview is one file the setup writes.
type FilePreview struct {
	plan.File
	Owner string `json:"owner"`
	Mode  string `json:"mode"`
	// SHA256 is known in advance for the JAR only (stores are minted at run time).
	SHA256 string `json:"sha256,omitempty"`
	// Content is the merged deployment.toml (secrets masked); Diff is it against the default.
	Content string `json:"content,omitempty"`
	Diff    string `json:"diff,omitempty"`
}

// JARPreview is the notification handler JAR.
type JARPreview struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  string `json:"source"`
	SHA256  string `json:"sha256,omitempty"`
	// Placed is false when a setup fault leaves it out.
	Placed bool `json:"placed"`
}

// KMPreview is the Key Manager registration.
type KMPreview struct {
	Request string `json:"request"`
	// Payload is the JSON body, secrets masked.
	Payload json.RawMessage `json:"payload"`
}

// APIPreview is the API the setup publishes.
type APIPreview struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	KeyManagers []string `json:"keyManagers"`
}

// ProbePreview is one readiness probe with its budget.
type ProbePreview struct {
	setup.Probe
	Timeout string `json:"timeout"`
	Poll    string `json:"poll"`
}

// SetupPreview is a base setup step the matrix expects to fail in this cell.
type SetupPreview struct {
	Step   string `json:"step"`
	Match  string `json:"match"`
	Reason string `json:"reason"`
	Link   string `json:"link,omitempty"`
}

// SetupStepTitle is one setup step, in order.
type SetupStepTitle struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// The fates of a check in a cell.
const (
	WillRun          = "run"
	WillNotSupported = "not_supported"
	WillXFail        = "xfail"
	// WillFail is a check a setup fault of this run (--inject-fault) makes fail on purpose.
	WillFail = "fail"
)

// CheckPreview is one selected check and what is expected of it in this cell.
type CheckPreview struct {
	ID         string `json:"id"`
	Area       string `json:"area"`
	Capability string `json:"capability"`
	Title      string `json:"title"`
	Expect     string `json:"expect"`
	Reason     string `json:"reason,omitempty"`
	Link       string `json:"link,omitempty"`
}

// Preview works out what a run would do. It starts no product and creates nothing that outlives it (a
// temporary simulator home to read the defaults from, or, for an official image present locally, a
// container that is created, read and removed, never started).
func (s *Session) Preview(ctx context.Context) (*Preview, error) {
	cfg := s.Config
	v := s.jarVersion()
	jar, jp, err := s.previewJAR(v)
	if err != nil {
		return nil, err
	}
	p, err := s.buildPlan(jar, nil)
	if err != nil {
		return nil, err
	}
	pv := &Preview{Cell: s.Cell.Name(), IS: s.Cell.IS.Version, APIM: s.Cell.APIM.Version, Target: cfg.Target,
		LabelFilter: cfg.LabelFilter, SetupFaults: p.Faults, JAR: jp, Counts: map[string]int{}}
	pv.JAR.Placed = p.PlaceJAR
	for _, f := range s.Checked.ProductFaults {
		pv.ProductFaults = append(pv.ProductFaults, f.Name)
	}
	ids, names := setup.StepsOf(p)
	for i, id := range ids {
		pv.Steps = append(pv.Steps, SetupStepTitle{ID: id, Name: names[i]})
	}
	if pv.Images, err = s.previewImages(ctx); err != nil {
		return nil, err
	}
	pv.Backend = map[string]string{TargetSim: "kmsim processes on 127.0.0.x addresses, homes in a temporary folder removed after the run",
		TargetSimDocker: "simulator containers on Docker, one network per cell", TargetOfficial: "WSO2's images on Docker, one network per cell"}[cfg.Target]
	for _, n := range []struct {
		alias   string
		product containers.Product
		version string
	}{{containers.ISAlias, containers.IS, s.Cell.IS.Version}, {containers.APIMAlias, containers.APIM, s.Cell.APIM.Version}} {
		np, err := s.previewNode(ctx, p, n.alias, n.product, n.version, pv.Images)
		if err != nil {
			return nil, err
		}
		pv.Nodes = append(pv.Nodes, np)
	}
	kmp := p.KeyManager
	request := "POST " + plan.APIMBase + wso2am.AdminPath + "/key-managers"
	if prof := p.ProfileOrDefault(); prof.FromDiscovery {
		// Filled from the provider's discovery document at run time; shown with IS's documented endpoints.
		doc := plan.ProviderDocument{WellKnown: plan.ISBase + "/oauth2/token/.well-known/openid-configuration", Issuer: plan.DocumentedIssuer,
			Token: plan.ISBase + "/oauth2/token", Revocation: plan.ISBase + "/oauth2/revoke", Introspection: plan.ISBase + "/oauth2/introspect",
			Registration: plan.ISBase + "/api/identity/oauth2/dcr/v1.1/register", Authorize: plan.ISBase + "/oauth2/authorize",
			UserInfo: plan.ISBase + "/oauth2/userinfo", JWKS: plan.ISBase + "/oauth2/jwks"}
		if kmp, err = plan.ProviderPayload(prof, doc, nil); err != nil {
			return nil, err
		}
		request += " (every endpoint filled from the provider's discovery document at run time)"
	}
	km, err := json.MarshalIndent(kmp, "", "  ")
	if err != nil {
		return nil, err
	}
	pv.KeyManager = KMPreview{Request: request, Payload: json.RawMessage(evidence.Redact(string(km)))}
	pv.API = APIPreview{Name: fmt.Sprint(p.API["name"]), Path: plan.GatewayBase + p.APIPath()}
	switch kms := p.API["keyManagers"].(type) {
	case []string:
		pv.API.KeyManagers = kms
	case []any:
		for _, k := range kms {
			pv.API.KeyManagers = append(pv.API.KeyManagers, fmt.Sprint(k))
		}
	}
	for _, pr := range setup.Readiness() {
		iv := intervals.Get(pr.Interval)
		pv.Readiness = append(pv.Readiness, ProbePreview{Probe: pr, Timeout: iv.Timeout.String(), Poll: iv.Poll.String()})
	}
	for _, e := range s.Cell.SetupExpectations() {
		if slices.Contains(setup.StepIDs(), e.Setup) {
			pv.Setup = append(pv.Setup, SetupPreview{Step: e.Setup, Match: e.Match, Reason: e.Reason, Link: e.Link})
		}
	}
	pv.Profile = s.Profile().Name
	pv.Checks = previewChecks(s.Cell, s.Profile(), cfg.LabelFilter, p.Faults, pv.Setup)
	for _, c := range pv.Checks {
		pv.Counts[c.Expect]++
	}
	return pv, nil
}

// previewChecks says, per selected check, whether it runs, is not supported or is expected to fail.
func previewChecks(cell matrix.Cell, prof *plan.Profile, labelFilter string, setupFaults []string, knownSetup []SetupPreview) []CheckPreview {
	filter, _ := types.ParseLabelFilter(labelFilter) // validated by Validate
	var out []CheckPreview
	for _, ch := range checks.All() {
		if !filter(ch.Labels()) {
			continue
		}
		c := CheckPreview{ID: ch.ID, Area: ch.Area, Capability: ch.Capability, Title: ch.Title, Expect: WillRun}
		e := cell.Expect(ch.Capability)
		switch {
		case !prof.Supports(ch.Capability):
			v, _ := checks.ProfileBefore(prof, nil, ch)
			c.Expect, c.Reason = WillNotSupported, v.Message
		case len(knownSetup) > 0:
			c.Expect, c.Link = WillXFail, knownSetup[0].Link
			c.Reason = fmt.Sprintf("not run: setup step %s is a known failure in %s (%s)", knownSetup[0].Step, cell.Name(), knownSetup[0].Reason)
		case e.Status == matrix.Unsupported:
			v, _ := checks.Before(cell, ch)
			c.Expect, c.Reason, c.Link = WillNotSupported, v.Message, v.Link
		case e.Status == matrix.KnownFailure:
			c.Expect, c.Link = WillXFail, e.Link
			c.Reason = fmt.Sprintf("capability %s is a known failure in %s, expected to fail with %q: %s", ch.Capability, cell.Name(), e.Match, e.Reason)
		}
		if c.Expect == WillRun {
			for _, f := range ch.Fixtures {
				if e, known := cell.KnownSetupFailure(f); known {
					c.Expect, c.Link = WillXFail, e.Link
					c.Reason = fmt.Sprintf("needs fixture %s, a known failure in %s (expected to fail with %q): %s", f, cell.Name(), e.Match, e.Reason)
					break
				}
			}
		}
		if c.Expect == WillRun {
			for _, proof := range ch.Faults {
				if slices.Contains(setupFaults, proof.Fault) {
					c.Expect, c.Reason = WillFail, fmt.Sprintf("setup fault %s is injected: expected to fail naming %q", proof.Fault, proof.Cause)
					break
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// previewJAR is the JAR the run would place, without downloading it.
func (s *Session) previewJAR(v string) (plan.JAR, JARPreview, error) {
	jp := JARPreview{Version: v}
	if s.usesStandIn() {
		jar, err := standInJAR(v)
		if err != nil {
			return plan.JAR{}, jp, err
		}
		jp.Name, jp.Source, jp.SHA256 = jar.Name, jar.Source, sha256Hex(jar.Content)
		return jar, jp, nil
	}
	src := notifjar.Source{LocalPath: s.Config.NotificationJAR, RepoURL: s.Config.MavenRepo}
	jp.Name = s.jarName(v)
	path := ""
	switch cached, ok := src.Cached(v); {
	case s.Config.NotificationJAR != "":
		path, jp.Source = s.Config.NotificationJAR, "local file "+s.Config.NotificationJAR
	case ok:
		path, jp.Source = cached, fmt.Sprintf("cached copy %s of %s (checked against its published SHA-1 when downloaded)", cached, src.URL(v))
	default:
		jp.Source = fmt.Sprintf("not downloaded yet: the run downloads %s and checks it against its published SHA-1", src.URL(v))
	}
	jar := plan.JAR{Name: jp.Name, Source: jp.Source, Version: v}
	if path != "" {
		content, err := os.ReadFile(path)
		if err != nil {
			return plan.JAR{}, jp, fmt.Errorf("read the notification JAR: %w", err)
		}
		jar.Content, jp.SHA256 = content, sha256Hex(content)
		if s.Config.NotificationJAR != "" {
			// A local file is whatever version its manifest says.
			if mv, err := notifjar.Version(content); err == nil {
				jar.Version, jp.Version = mv, mv
			}
		}
	}
	return jar, jp, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// previewImages names each product's image and whether it is there already.
func (s *Session) previewImages(ctx context.Context) ([]ImagePreview, error) {
	products := []containers.Product{containers.IS, containers.APIM, containers.Echo}
	var out []ImagePreview
	if s.Config.Target == TargetSim {
		for _, p := range products {
			out = append(out, ImagePreview{Product: p, State: "kmsim process (no image)"})
		}
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	engine := docker.Available(ctx) == nil
	versions := map[containers.Product]string{containers.IS: s.Cell.IS.Version, containers.APIM: s.Cell.APIM.Version}
	official := s.Config.OfficialImages(s.Cell)
	for _, p := range products {
		if s.Config.Target == TargetOfficial && p != containers.Echo {
			ip := ImagePreview{Product: p, Image: official[p], State: "not present locally: pulled at run time"}
			switch present, err := docker.ImagePresent(ctx, official[p]); {
			case !engine || err != nil:
				ip.State = "unknown whether present locally (no Docker engine answers): pulled at run time if missing"
			case present:
				ip.State = "present locally"
			}
			out = append(out, ip)
			continue
		}
		tag, present, err := simimage.Tag(ctx, simimage.Request{Product: p, Version: versions[p], Kmsim: s.Config.Kmsim})
		if err != nil {
			return nil, err
		}
		ip := ImagePreview{Product: p, Image: tag, State: "simulator image, built locally at run time"}
		if present {
			ip.State = "simulator image, present locally"
		}
		out = append(out, ip)
	}
	return out, nil
}

// previewNode lists the files the setup writes into one node, with the merged deployment.toml as a diff
// against the default the merge starts from.
func (s *Session) previewNode(ctx context.Context, p *plan.Plan, alias string, product containers.Product, version string, images []ImagePreview) (NodePreview, error) {
	np := NodePreview{Node: alias, Product: product, Version: version}
	owner := process.FileOwner()
	spec := containers.Spec{Product: product, Version: version, Alias: alias}
	if s.Config.UsesDocker() {
		owner = docker.FileOwner(product)
		np.Home, _ = docker.Home(spec)
	} else {
		np.Home = filepath.Join(os.TempDir(), "kmconform-*", alias, "home") + " (created at run time)"
	}
	base, from, err := s.defaultConfig(ctx, spec, images)
	if err != nil {
		return np, err
	}
	np.DefaultsFrom = from
	for _, f := range p.FilesOf(alias) {
		fp := FilePreview{File: f, Owner: owner, Mode: fmt.Sprintf("%04o", f.Mode.Perm())}
		switch f.Kind {
		case plan.Config:
			block, err := p.Block(alias)
			if err != nil {
				return np, err
			}
			merged, err := setup.Merged(base, alias, block)
			if err != nil {
				return np, fmt.Errorf("%s (defaults from %s)", err, from)
			}
			fp.Content = evidence.Redact(string(merged))
			fp.Diff = udiff.Unified("default "+f.Path, "written "+f.Path, evidence.Redact(string(base)), fp.Content)
		case plan.HandlerJAR:
			if len(p.JAR.Content) > 0 {
				fp.SHA256 = sha256Hex(p.JAR.Content)
			}
		}
		np.Files = append(np.Files, fp)
	}
	return np, nil
}

// defaultConfig is the deployment.toml the merge starts from, and where it comes from: the simulator's
// default home (kmsim init-home, also what its images carry), the official image when it is present
// locally, or else the version's known defaults.
func (s *Session) defaultConfig(ctx context.Context, spec containers.Spec, images []ImagePreview) ([]byte, string, error) {
	if s.Config.Target != TargetOfficial {
		b, err := kmsimDefault(ctx, s.Config.Kmsim, spec)
		return b, fmt.Sprintf("kmsim init-home --product %s --version %s (the simulator's default home%s)", spec.Product, spec.Version,
			map[bool]string{true: ", which its image carries", false: ""}[s.Config.Target == TargetSimDocker]), err
	}
	var image ImagePreview
	for _, ip := range images {
		if ip.Product == spec.Product {
			image = ip
		}
	}
	if image.State == "present locally" {
		spec.Image = image.Image
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		b, err := docker.ReadImageFile(rctx, spec, plan.ConfFile, "plan-"+s.Cell.Name())
		if err == nil {
			return b, "image " + image.Image + " (read from a created, never started, container)", nil
		}
	}
	b, err := plan.KnownDefault(spec.Product, spec.Version)
	if err != nil {
		return nil, "", err
	}
	why := "image " + image.Image + " is not present locally"
	if image.State == "present locally" {
		why = "image " + image.Image + " could not be read"
	} else if strings.HasPrefix(image.State, "unknown") {
		why = "no Docker engine answers"
	}
	return b, fmt.Sprintf("%s %s's known defaults (%s; the settings of its GA deployment.toml as kmconform records them, without comments)",
		map[containers.Product]string{containers.IS: "IS", containers.APIM: "API-M"}[spec.Product], spec.Version, why), nil
}

// kmsimDefault writes the simulator's default home into a temporary folder, reads its deployment.toml and
// removes the folder (it holds freshly generated private keys).
func kmsimDefault(ctx context.Context, kmsim string, spec containers.Spec) ([]byte, error) {
	dir, err := os.MkdirTemp("", process.WorkDirPrefix+"plan-")
	if err != nil {
		return nil, fmt.Errorf("create a temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := process.MarkWorkDir(dir); err != nil {
		return nil, err
	}
	dir = filepath.Join(dir, "home")
	cmd := exec.CommandContext(ctx, kmsim, "init-home", "--product", string(spec.Product), "--version", spec.Version, "--dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kmsim init-home for %s %s: %v: %s", spec.Product, spec.Version, err, strings.TrimSpace(string(out)))
	}
	return os.ReadFile(filepath.Join(dir, filepath.FromSlash(plan.ConfFile)))
}
