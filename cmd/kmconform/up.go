package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/setup"
)

// upState is what 'kmconform down' needs to take a cell down from another process.
type upState struct {
	Cell      string            `json:"cell"`
	Target    string            `json:"target"`
	Handle    containers.Handle `json:"handle"`
	ReportDir string            `json:"reportDir"`
	Created   time.Time         `json:"created"`
}

// stateDir holds one state file per cell that is up, plus its credentials and CA (mode 0600/0700):
// outside reports/, which never holds a secret.
func stateDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache folder for kmconform up: %w", err)
	}
	return filepath.Join(base, "kmconform", "up"), nil
}

func upCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform up", flag.ContinueOnError)
	var cf cellFlags
	cf.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if cf.cfg.Target == cellrun.TargetAttach {
		return usageError("up starts a cell of its own; to check a pair that is already running, use 'kmconform run --target attach'")
	}
	cf.cfg.Detach = true // also picks the targets 'up' brings a profile up on
	cell, err := cf.resolve(fs)
	if err != nil {
		return err
	}
	cfg := cf.cfg
	dir, err := stateDir()
	if err != nil {
		return err
	}
	statePath := filepath.Join(dir, cell.Name()+".json")
	if st, err := readUpState(statePath); err == nil {
		if !cellrun.Alive(st.Handle) {
			// Its processes are gone (a reboot, a kill): the state is stale, not a cell that is up.
			fmt.Fprintf(stdout, "kmconform: %s was up once but its processes are gone; forgetting it\n", cell.Name())
			removeUpFiles(statePath)
		} else {
			profile := ""
			if cfg.Profile != "" {
				profile = " --km-profile " + cfg.Profile
			}
			return usageError("cell %s is already up: take it down first with 'kmconform down --is %s --apim %s%s'", cell.Name(), cfg.IS, cfg.APIM, profile)
		}
	}
	if err := checkReports(reportsRoot(cfg.ReportDir)); err != nil {
		return err
	}
	if err := preflight(&cfg, cell, stdout); err != nil {
		return err
	}
	if err := os.RemoveAll(cfg.ReportDir); err != nil {
		return fmt.Errorf("clear %s: %w", cfg.ReportDir, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := cellrun.New(cfg)
	if err != nil {
		return usageError("%v", err)
	}
	// Until the cell is fully up, any way out of here — an error, Ctrl-C, a panic — tears it down.
	up := false
	defer func() {
		if !up {
			_ = s.Close(ctx)
		}
	}()
	if err := s.Start(ctx, stdout); err != nil {
		msg := s.Redact(err.Error())
		if s.Env != nil {
			_ = s.SaveEvidence(ctx)
			msg += " (evidence in " + cfg.ReportDir + ")"
		}
		return errors.New(msg)
	}
	apps, err := upApps(ctx, s.Env, s.Profile())
	if err != nil {
		_ = s.SaveEvidence(ctx)
		return errors.New(s.Redact(err.Error()) + " (evidence in " + cfg.ReportDir + ")")
	}
	if err := s.SaveEvidence(ctx); err != nil {
		fmt.Fprintln(stderr, "kmconform: saving evidence:", err)
	}
	_ = s.CloseTranscript()
	st := upState{Cell: cell.Name(), Target: cfg.Target, Handle: s.Backend.Handle(), ReportDir: cfg.ReportDir, Created: time.Now().UTC()}
	creds, caPath, err := writeUpFiles(ctx, dir, cell.Name(), st, s.Env, apps)
	if err != nil {
		return err
	}
	up = true
	printEndpoints(ctx, stdout, s.Env, s.Profile(), creds, caPath)
	down := fmt.Sprintf("kmconform down --is %s --apim %s", cfg.IS, cfg.APIM)
	if cfg.Profile != "" {
		down += " --km-profile " + cfg.Profile
	}
	fmt.Fprintf(stdout, "\nTake it down with: %s\n", down)
	return nil
}

// upApps creates the applications a user explores with: keys from IS, and keys from the Resident Key
// Manager, both subscribed to the API. They live as long as the cell. A profile whose attached run
// registers the Key Manager gets none (oidc), or the management application of the organization the
// simulator plays instead (asgardeo); obkm gets the IS application only (its setup disables the Resident
// Key Manager).
func upApps(ctx context.Context, e *env.Env, prof *plan.Profile) (map[string]any, error) {
	switch {
	case prof.Name == "asgardeo":
		org := plan.AsgardeoOrg{Base: plan.ISBase, Organization: plan.AsgardeoSimOrganization}
		id, secret, err := setup.AsgardeoManagementApp(ctx, e, org.OrgBase())
		if err != nil {
			return nil, err
		}
		return map[string]any{"asgardeo": cellrun.AsgardeoCredentials{Organization: org.Organization, ClientID: id, ClientSecret: secret}}, nil
	case e.KeyManager == nil:
		return map[string]any{}, nil
	}
	set := fixture.NewSet(e)
	isApp, err := fixture.Shared(ctx, set, fixture.ISApp)
	if err != nil {
		return nil, err
	}
	if prof.DisableResident {
		return map[string]any{"isApp": isApp}, nil
	}
	resident, err := fixture.Shared(ctx, set, fixture.ResidentApp)
	if err != nil {
		return nil, err
	}
	return map[string]any{"isApp": isApp, "residentApp": resident}, nil
}

// writeUpFiles writes the state, the credentials (0600) and the run's CA certificate.
func writeUpFiles(ctx context.Context, dir, cell string, st upState, env *env.Env, apps map[string]any) (credsPath, caPath string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("create %s: %w", dir, err)
	}
	creds := map[string]any{
		"apimAdmin": map[string]string{"username": env.APIM.AdminUser, "password": env.APIM.AdminPassword},
		"isAdmin":   map[string]string{"username": env.IS.AdminUser, "password": env.IS.AdminPassword},
	}
	for k, v := range apps {
		creds[k] = v
	}
	// Where the products' network names are reachable from this machine: 'kmconform run --target attach'
	// dials them through this map.
	resolve := map[string]string{}
	for _, r := range endpointRows() {
		if addr, err := env.Node(r.alias).Addr(ctx, r.port); err == nil {
			resolve[fmt.Sprintf("%s:%d", r.alias, r.port)] = addr
		}
	}
	creds["resolve"] = resolve
	credsPath = filepath.Join(dir, cell+"-credentials.json")
	caPath = filepath.Join(dir, cell+"-ca.pem")
	b, _ := json.MarshalIndent(creds, "", "  ")
	if err := os.WriteFile(credsPath, b, 0o600); err != nil {
		return "", "", fmt.Errorf("write credentials: %w", err)
	}
	if err := os.WriteFile(caPath, env.CAPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("write CA: %w", err)
	}
	sb, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, cell+".json"), sb, 0o600); err != nil {
		return "", "", fmt.Errorf("write state: %w", err)
	}
	return credsPath, caPath, nil
}

type endpointRow struct {
	alias, url string
	port       int
}

// endpointRows are the products' in-network endpoints a user (or an attached run) reaches.
func endpointRows() []endpointRow {
	return []endpointRow{
		{containers.ISAlias, plan.ISBase, 9443},
		{containers.APIMAlias, plan.APIMBase, 9443},
		{containers.APIMAlias, plan.GatewayBase, 8243},
		{containers.BackendAlias, plan.BackendURL, 8080},
	}
}

func printEndpoints(ctx context.Context, w io.Writer, env *env.Env, prof *plan.Profile, credsPath, caPath string) {
	fmt.Fprintf(w, "\nCell %s is up. The products know each other by these names; reach them through the addresses shown:\n", env.Cell.Name())
	for _, r := range endpointRows() {
		n := env.Node(r.alias)
		addr, err := n.Addr(ctx, r.port)
		if err != nil {
			addr = "(" + err.Error() + ")"
		}
		fmt.Fprintf(w, "  %-40s -> %s\n", r.url, addr)
	}
	if env.API != nil {
		fmt.Fprintf(w, "  API on the gateway: %s%s\n", plan.GatewayBase, env.APIPath)
	}
	fmt.Fprintf(w, "\nTLS: the products present certificates of this run's CA: %s\n", caPath)
	fmt.Fprintf(w, "Credentials (admin users, application keys): %s\n", credsPath)
	isAddr, _ := env.Node(containers.ISAlias).Addr(ctx, 9443)
	fmt.Fprintf(w, "Example: curl --cacert %s --connect-to wso2is:9443:%s %s/oauth2/token/.well-known/openid-configuration\n", caPath, isAddr, plan.ISBase)
	attach := fmt.Sprintf("kmconform run --target attach --is %s --apim %s --is-url %s --apim-url %s --credentials %s --ca %s",
		env.Cell.IS.Version, env.Cell.APIM.Version, plan.ISBase, plan.APIMBase, credsPath, caPath)
	if prof.Name != plan.DefaultProfile {
		attach += " --km-profile " + prof.Name
	}
	if env.KeyManager != nil {
		attach += " --reuse-key-manager " + env.KeyManager.Name
	}
	fmt.Fprintf(w, "Run the HTTP-only checks against it as a pair kmconform did not start:\n  %s\n", attach)
	if prof.Name == "asgardeo" {
		fmt.Fprintf(w, "IS plays the Asgardeo organization %s at %s/t/%s (its management application is in the credentials file)\n",
			plan.AsgardeoSimOrganization, plan.ISBase, plan.AsgardeoSimOrganization)
	}
}

func downCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform down", flag.ContinueOnError)
	isV := fs.String("is", "", "IS version of the cell to take down")
	amV := fs.String("apim", "", "API-M version of the cell to take down")
	profile := fs.String("km-profile", "", "the Key Manager profile the cell was brought up with (default: wso2-is7)")
	all := fs.Bool("all", false, "take down every cell that is up")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	dir, err := stateDir()
	if err != nil {
		return err
	}
	var paths []string
	switch {
	case *all:
		matches, _ := filepath.Glob(filepath.Join(dir, "is-*_apim-*.json"))
		for _, m := range matches {
			if !strings.HasSuffix(m, "-credentials.json") {
				paths = append(paths, m)
			}
		}
	case *isV != "" && *amV != "":
		name := "is-" + *isV + "_apim-" + *amV
		if *profile != "" && *profile != plan.DefaultProfile {
			if _, err := plan.ProfileNamed(*profile); err != nil {
				return usageError("%v", err)
			}
			name += "_" + *profile
		}
		paths = []string{filepath.Join(dir, name+".json")}
	default:
		return usageError("down needs --is and --apim of the cell, or --all")
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		fmt.Fprintln(stdout, "kmconform: no cell is up")
		return nil
	}
	var errs []error
	for _, p := range paths {
		if err := takeDown(p, stdout); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func takeDown(statePath string, stdout io.Writer) error {
	st, err := readUpState(statePath)
	if errors.Is(err, os.ErrNotExist) {
		return usageError("no cell %s is up (no %s)", strings.TrimSuffix(filepath.Base(statePath), ".json"), statePath)
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	what, err := cellrun.Release(ctx, st.Handle)
	if err == nil {
		fmt.Fprintf(stdout, "kmconform: %s\n", what)
	}
	if err != nil {
		return fmt.Errorf("take down %s: %w", st.Cell, err)
	}
	removeUpFiles(statePath)
	fmt.Fprintf(stdout, "kmconform: %s is down\n", st.Cell)
	return nil
}

func readUpState(statePath string) (*upState, error) {
	b, err := os.ReadFile(statePath)
	if err != nil {
		return nil, err
	}
	var st upState
	if err := json.Unmarshal(b, &st); err != nil || st.Cell == "" || st.Handle.Backend == "" || (st.Handle.Backend == "docker" && st.Handle.RunID == "") {
		// Never act on a state without its run: an empty run id would mean every kmconform container.
		return nil, fmt.Errorf("state file %s is damaged: remove it and run 'kmconform clean'", statePath)
	}
	return &st, nil
}

// removeUpFiles forgets a cell: its state, credentials and CA.
func removeUpFiles(statePath string) {
	base := strings.TrimSuffix(statePath, ".json")
	for _, f := range []string{statePath, base + "-credentials.json", base + "-ca.pem"} {
		_ = os.Remove(f)
	}
}
