package cellrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/containers/docker"
	"github.com/kmconform/kmconform/containers/process"
	"github.com/kmconform/kmconform/containers/simimage"
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/faults"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/notifjar"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/setup"
)

// Session is one cell from setup to teardown.
type Session struct {
	Config  Config
	Cell    matrix.Cell
	Checked Checked
	// Plan is the documented setup with the setup faults applied (set by Start).
	Plan    *plan.Plan
	Env     *env.Env
	Images  map[containers.Product]string
	Backend containers.Backend
	// OnStep, if set, is told when each setup step starts (kmconform's progress lines).
	OnStep func(i, n int, id, name string)
	http   *os.File
	// undo removes what an attached run created (target attach).
	undo *setup.Undo
}

// FileAccess reports whether the run can read and write the products' files: not for a pair kmconform did
// not start (checks marked Files are not applicable there).
func (s *Session) FileAccess() bool { return s.Config.Target != TargetAttach }

// New validates the config. It creates nothing, so the caller can arrange SaveEvidence and Close before
// Start creates anything — they then run whatever happens during Start, a panic included.
func New(cfg Config) (*Session, error) {
	checked, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	return &Session{Config: cfg, Cell: checked.Cell, Checked: checked}, nil
}

// KmsimFaultsEnv is the environment variable that tells kmsim which product faults to play.
const KmsimFaultsEnv = "KMSIM_FAULTS"

// nodeEnv hands the product faults to the simulator nodes of the product that plays each.
func (s *Session) nodeEnv() map[containers.Product]map[string]string {
	byProduct := map[containers.Product][]string{}
	for _, f := range s.Checked.ProductFaults {
		p := containers.Product(f.Product)
		byProduct[p] = append(byProduct[p], f.Name)
	}
	out := map[containers.Product]map[string]string{}
	for p, names := range byProduct {
		out[p] = map[string]string{KmsimFaultsEnv: strings.Join(names, ",")}
	}
	if s.Checked.Profile != nil && s.Checked.Profile.Name == "asgardeo" && s.Config.Target != TargetOfficial {
		// The simulator's IS plays an Asgardeo organization under /t/<organization> (sim/CONTRACT.md).
		if out[containers.IS] == nil {
			out[containers.IS] = map[string]string{}
		}
		out[containers.IS][KmsimOrganizationEnv] = plan.AsgardeoSimOrganization
	}
	return out
}

// KmsimOrganizationEnv names the organization the simulator's IS plays as Asgardeo would host it.
const KmsimOrganizationEnv = "KMSIM_ORGANIZATION"

// Start creates the backend and runs the setup. After an error, SaveEvidence and Close still apply to
// whatever was created.
func (s *Session) Start(ctx context.Context, progress io.Writer) error {
	cfg := s.Config
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		return fmt.Errorf("create report folder: %w", err)
	}
	if cfg.Target == TargetAttach {
		return s.startAttached(ctx, progress)
	}
	jar, err := s.notificationJAR(ctx, progress, cfg.JARVersion(s.Cell), cfg.NotificationJAR)
	if err != nil {
		return err
	}
	if s.Backend, err = s.newBackend(ctx, progress); err != nil {
		return err
	}
	if s.Images, err = s.images(ctx, progress); err != nil {
		return err
	}
	if s.http, err = os.Create(filepath.Join(cfg.ReportDir, "http-transcript.log")); err != nil {
		return fmt.Errorf("create transcript: %w", err)
	}
	fmt.Fprintf(progress, "cell %s on target %s (backend %s)\n", s.Cell.Name(), cfg.Target, s.Backend.Name())
	if s.Plan, err = s.buildPlan(jar, progress); err != nil {
		return err
	}
	if err := s.refetchJAR(ctx, progress); err != nil {
		return err
	}
	for _, f := range s.Checked.ProductFaults {
		fmt.Fprintf(progress, "  simulator fault %s: %s\n", f.Name, f.Doc)
	}
	s.Env, err = setup.Up(ctx, setup.Options{
		Plan: s.Plan, Backend: s.Backend, Images: s.Images, NodeEnv: s.nodeEnv(), Progress: progress, Transcript: s.http,
		OnStep: s.OnStep,
	})
	// A product that stops on its own once it was ready is the environment failing, not the setup.
	var step *setup.StepError
	if errors.As(err, &step) && slices.Index(setup.StepIDs(), step.ID) > slices.Index(setup.StepIDs(), setup.StepWaitReady) {
		if d := s.Down(); d != nil {
			return &EnvError{Down: d, Step: step.ID, Err: err}
		}
	}
	return err
}

// buildPlan is the cell's documented setup with the setup faults applied: what Start runs and what
// Preview prints.
func (s *Session) buildPlan(jar plan.JAR, progress io.Writer) (*plan.Plan, error) {
	p, err := plan.ForProfile(s.Profile(), s.Cell, jar)
	if err != nil {
		return nil, err
	}
	if s.Config.Target != TargetOfficial {
		// The simulator's introspection cache honours the same setting; a shorter TTL keeps the
		// introspection-mode checks of kmconform's own self-test quick.
		p.APIM.TokenExpiryTime = plan.SimIntrospectionCacheTTL
	}
	faults.Apply(p, s.Checked.SetupFaults, progress)
	p.PairOnly = s.Config.Detach && p.ProfileOrDefault().FromDiscovery
	return p, nil
}

// Profile is the run's Key Manager profile.
func (s *Session) Profile() *plan.Profile {
	if s.Checked.Profile != nil {
		return s.Checked.Profile
	}
	p, _ := plan.ProfileNamed(s.Config.Profile)
	return p
}

// Redact masks every secret the session knows and every secret-shaped value.
func (s *Session) Redact(text string) string {
	if s != nil && s.Env != nil {
		return s.Env.Redact(text)
	}
	return evidence.Redact(text)
}

func (s *Session) newBackend(ctx context.Context, progress io.Writer) (containers.Backend, error) {
	switch s.Config.Target {
	case TargetSim:
		return process.New(process.Options{Kmsim: s.Config.Kmsim, KeepWorkDir: s.Config.KeepWorkDir, Detach: s.Config.Detach,
			StopTimeout: intervals.Get(intervals.ProcessStop).Timeout})
	case TargetSimDocker, TargetOfficial:
		// One backend per cell: the run id plus the cell keeps the container names and labels of cells
		// that run at the same time apart.
		runID := s.Config.RunID
		if runID == "" {
			runID = fmt.Sprintf("%d", time.Now().UnixNano())
		}
		return docker.New(ctx, docker.Options{RunID: runID + "-" + s.Cell.Name(), Progress: progress, Detach: s.Config.Detach,
			StopTimeout: intervals.Get(intervals.ProcessStop).Timeout, RequestTimeout: intervals.Get(intervals.HTTPRequest).Timeout})
	}
	return nil, fmt.Errorf("unknown target %q", s.Config.Target)
}

// images picks each product's image: the official ones (or their overrides) for the official target,
// locally built simulator images for sim-docker. The echo backend is always the simulator's image, so a
// run against the official images pulls nothing else.
func (s *Session) images(ctx context.Context, progress io.Writer) (map[containers.Product]string, error) {
	if !s.Config.UsesDocker() {
		return nil, nil
	}
	ensure := func(p containers.Product, version string) (string, error) {
		return simimage.Ensure(ctx, simimage.Request{Product: p, Version: version, Kmsim: s.Config.Kmsim}, progress)
	}
	backend, err := ensure(containers.Echo, "")
	if err != nil {
		return nil, err
	}
	images := map[containers.Product]string{containers.Echo: backend}
	if s.Config.Target == TargetOfficial {
		for p, image := range s.Config.OfficialImages(s.Cell) {
			images[p] = image
		}
		return images, nil
	}
	if images[containers.IS], err = ensure(containers.IS, s.Cell.IS.Version); err != nil {
		return nil, err
	}
	if images[containers.APIM], err = ensure(containers.APIM, s.Cell.APIM.Version); err != nil {
		return nil, err
	}
	return images, nil
}

// notificationJAR is the handler JAR for IS, in version v. Simulator targets get a stand-in, named as such
// (the simulator checks that the handler class is present, never its bytecode); the official images get
// the real JAR from WSO2's Maven repository (checked against its published checksum and cached) or from a
// local file. local is the --notification-jar file ("" to download).
func (s *Session) notificationJAR(ctx context.Context, progress io.Writer, v, local string) (plan.JAR, error) {
	if s.Config.Target != TargetOfficial && local == "" {
		return standInJAR(v)
	}
	fmt.Fprintf(progress, "notification handler JAR %s\n", notifjar.FileName(v))
	path, err := notifjar.Source{LocalPath: local, RepoURL: s.Config.MavenRepo}.Fetch(ctx, v)
	if err != nil {
		return plan.JAR{}, err
	}
	content, err := os.ReadFile(path)
	if err != nil {
		return plan.JAR{}, fmt.Errorf("read the notification JAR: %w", err)
	}
	name := notifjar.FileName(v)
	if local != "" {
		name = filepath.Base(local)
		// A local file is whatever version its manifest says.
		if mv, err := notifjar.Version(content); err == nil {
			v = mv
		}
	}
	return plan.JAR{Name: name, Content: content, Source: path, Version: v}, nil
}

// refetchJAR honours a setup fault that asked for another handler version than the documented one (it
// leaves the plan's JAR without content): that version is fetched, never the local file.
func (s *Session) refetchJAR(ctx context.Context, progress io.Writer) error {
	if !s.Plan.PlaceJAR || len(s.Plan.JAR.Content) > 0 || s.Plan.JAR.Version == "" {
		return nil
	}
	jar, err := s.notificationJAR(ctx, progress, s.Plan.JAR.Version, "")
	if err != nil {
		return err
	}
	s.Plan.JAR = jar
	return nil
}

// WrittenFilesName is the evidence file listing every file the setup wrote (node, path, owner, mode,
// size, SHA-256 except for deployment.toml, whose applied copy is kept redacted next to it).
const WrittenFilesName = "files-written.json"

// jarVersion is the cell's handler version: --notification-jar-version, else the one the API-M release's
// documentation names.
func (s *Session) jarVersion() string { return s.Config.JARVersion(s.Cell) }

// usesStandIn: simulator targets get the stand-in JAR unless a local one is given.
func (s *Session) usesStandIn() bool {
	return s.Config.Target != TargetOfficial && s.Config.NotificationJAR == ""
}

func standInJAR(v string) (plan.JAR, error) {
	content, err := notifjar.StandIn(v)
	if err != nil {
		return plan.JAR{}, fmt.Errorf("build the stand-in notification JAR: %w", err)
	}
	return plan.JAR{Name: notifjar.StandInFileName(v), Content: content, Source: standInSource, Version: v}, nil
}

const standInSource = "kmconform's stand-in (simulator only)"

// jarName is the file name the JAR gets in dropins: the Maven name, or a local file's own name.
func (s *Session) jarName(v string) string {
	if s.Config.NotificationJAR != "" {
		return filepath.Base(s.Config.NotificationJAR)
	}
	return notifjar.FileName(v)
}

// SaveEvidence writes each node's log and applied deployment.toml, redacted, under reports/<cell>/evidence.
func (s *Session) SaveEvidence(ctx context.Context) error {
	if s == nil || s.Env == nil {
		return nil
	}
	dir := filepath.Join(s.Config.ReportDir, "evidence")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create evidence folder: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var errs []error
	if len(s.Env.Written) > 0 {
		b, _ := json.MarshalIndent(s.Env.Written, "", "  ")
		errs = append(errs, os.WriteFile(filepath.Join(dir, WrittenFilesName), append(b, '\n'), 0o644))
	}
	for _, n := range s.Env.Nodes {
		alias := n.Spec().Alias
		if logs, err := n.Logs(ctx); err == nil {
			errs = append(errs, writeRedacted(filepath.Join(dir, alias+".log"), logs, s.Env.Redactor))
		} else {
			errs = append(errs, fmt.Errorf("logs of %s: %w", alias, err))
		}
		if n.Spec().Product == containers.Echo {
			continue
		}
		if conf, err := n.ReadFile(ctx, "repository/conf/deployment.toml"); err == nil {
			errs = append(errs, writeRedacted(filepath.Join(dir, alias+"-deployment.toml"), conf, s.Env.Redactor))
		}
	}
	return errors.Join(errs...)
}

func writeRedacted(path string, b []byte, r *evidence.Redactor) error {
	return os.WriteFile(path, []byte(r.Redact(string(b))), 0o644)
}

// CloseTranscript stops recording HTTP exchanges (kmconform up leaves the nodes, not the file, open).
func (s *Session) CloseTranscript() error {
	if s == nil || s.http == nil {
		return nil
	}
	err := s.http.Close()
	s.http = nil
	return err
}

// Close removes every node and closes the transcript. It ignores the caller's cancellation: cleanup runs
// also after Ctrl-C.
func (s *Session) Close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var errs []error
	if s.undo != nil {
		errs = append(errs, s.undo.Run(ctx))
	}
	if s.Backend != nil {
		errs = append(errs, s.Backend.Close(ctx))
	}
	errs = append(errs, s.CloseTranscript())
	return errors.Join(errs...)
}

// Release removes what a backend created from another process (kmconform down): the processes of a
// process backend, or everything labelled with a docker backend's run id. It says what it removed.
func Release(ctx context.Context, h containers.Handle) (string, error) {
	switch h.Backend {
	case "process":
		err := process.Stop(process.State{WorkDir: h.WorkDir, PIDs: h.PIDs}, intervals.Get(intervals.ProcessStop).Timeout)
		return fmt.Sprintf("stopped %d simulator processes", len(h.PIDs)), err
	case "docker":
		if h.RunID == "" {
			// Never act without a run id: an empty one would mean every kmconform container.
			return "", errors.New("the cell's state has no run id: run 'kmconform clean' instead")
		}
		r, err := docker.Clean(ctx, h.RunID)
		return fmt.Sprintf("removed %d containers and %d networks of run %s", len(r.Containers), len(r.Networks), h.RunID), err
	}
	return "", fmt.Errorf("unknown backend %q in the cell's state", h.Backend)
}

// Alive reports whether anything a handle names may still be running: a process backend's processes; a
// docker backend is assumed alive (its containers are removed by label).
func Alive(h containers.Handle) bool {
	if h.Backend == "process" {
		return process.State{WorkDir: h.WorkDir, PIDs: h.PIDs}.Running()
	}
	return true
}

// ProductName is how messages name a product.
func ProductName(p containers.Product) string {
	switch p {
	case containers.IS:
		return "IS"
	case containers.APIM:
		return "API-M"
	}
	return "the echo backend"
}

// Down reports the first node that stopped on its own (killed, crashed, its container removed), or nil.
func (s *Session) Down() *NodeDown {
	if s == nil || s.Env == nil {
		return nil
	}
	for _, n := range s.Env.Nodes {
		if err := n.Exited(); err != nil {
			return &NodeDown{Node: n.Spec().Alias, Product: n.Spec().Product, Cause: err}
		}
	}
	return nil
}

// NodeDown is a product that stopped answering because it is gone: an environment failure, not a verdict
// on the product.
type NodeDown struct {
	Node    string
	Product containers.Product
	Cause   error
}

// During says which product stopped answering during what, and where its log up to then is kept.
func (d *NodeDown) During(moment string) string {
	if errors.Is(d.Cause, containers.ErrEngineGone) {
		return fmt.Sprintf("the Docker engine stopped answering during %s %s", moment,
			strings.TrimPrefix(d.Cause.Error(), containers.ErrEngineGone.Error()+" "))
	}
	return fmt.Sprintf("%s stopped answering during %s: %v; its log up to then is in evidence/%s.log", ProductName(d.Product), moment, d.Cause, d.Node)
}

// Watch calls onDown once, as soon as a node stops on its own, until stop is called: a check waiting on
// a product that is gone ends at once instead of after its whole interval.
func (s *Session) Watch(onDown func(*NodeDown)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if d := s.Down(); d != nil {
					onDown(d)
					return
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// EnvError is a setup that failed because a product stopped on its own after it was ready: an
// environment failure (results.Error), not a verdict on the setup.
type EnvError struct {
	Down *NodeDown
	Step string
	Err  error
}

func (e *EnvError) Error() string { return e.Down.During("setup step " + e.Step) }
func (e *EnvError) Unwrap() error { return e.Err }
