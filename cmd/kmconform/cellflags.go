package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/faults"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
)

// cellFlags are the options run and up share.
type cellFlags struct {
	cfg     cellrun.Config
	reports string
}

func (c *cellFlags) register(fs *flag.FlagSet) {
	cfg := &c.cfg
	fs.StringVar(&cfg.IS, "is", "", "IS version, e.g. 7.1.0 (required)")
	fs.StringVar(&cfg.APIM, "apim", "", "API-M version, e.g. 4.5.0 (required)")
	fs.StringVar(&cfg.Target, "target", cellrun.TargetOfficial, "what to run against: "+strings.Join(cellrun.Targets, ", "))
	fs.StringVar(&c.reports, "reports", "reports", "folder for reports; the cell's go to <reports>/<cell>/")
	fs.StringVar(&cfg.Kmsim, "kmsim", "", "kmsim binary (default: next to kmconform, then PATH)")
	fs.StringVar(&cfg.Matrix, "matrix", "", "matrix file to use instead of the built-in one")
	fs.StringVar(&cfg.Intervals, "interval", os.Getenv("KMCONFORM_INTERVALS"), "override named timeouts, e.g. revocation=60s/250ms,apim-ready=15m (env KMCONFORM_INTERVALS)")
	fs.StringVar(&cfg.ISImage, "is-image", os.Getenv("KMCONFORM_IS_IMAGE"), "IS image instead of the matrix's wso2/wso2is:<version> (env KMCONFORM_IS_IMAGE)")
	fs.StringVar(&cfg.APIMImage, "apim-image", os.Getenv("KMCONFORM_APIM_IMAGE"), "API-M image instead of the matrix's wso2/wso2am:<version> (env KMCONFORM_APIM_IMAGE)")
	fs.StringVar(&cfg.NotificationJAR, "notification-jar", os.Getenv("KMCONFORM_NOTIFICATION_JAR"), "local notification handler JAR instead of downloading it (env KMCONFORM_NOTIFICATION_JAR)")
	fs.StringVar(&cfg.NotificationJARVersion, "notification-jar-version", "", "version of wso2is.notification.event.handlers to download (default: the version the API-M release's documentation names, fixtures/matrix.yaml notificationJar)")
	fs.StringVar(&cfg.MavenRepo, "maven-repo", os.Getenv("KMCONFORM_MAVEN_REPO"), "Maven repository to download the notification JAR from instead of WSO2's (env KMCONFORM_MAVEN_REPO)")
	fs.BoolVar(&cfg.KeepWorkDir, "keep-work-dir", false, "keep the simulator's product homes after the run (target sim)")
	fs.StringVar(&cfg.RunID, "run-id", "", "label for everything this run creates on Docker (default: generated); containers carry kmconform.run=<run-id>-<cell>")
	fs.StringVar(&cfg.Faults, "inject-fault", "", "break the documented setup on purpose (kmconform's self-test): "+strings.Join(faults.Names(faults.Setup), ", "))
	fs.StringVar(&cfg.SimFaults, "sim-fault", "", "make the simulator play a product regression (targets sim and sim-docker; kmconform's self-test): "+strings.Join(faults.Names(faults.Product), ", "))
	fs.Int64Var(&cfg.Seed, "seed", 0, "order of the checks: they run in a random order; give the seed a run printed to repeat its order")
	fs.StringVar(&cfg.Profile, "km-profile", plan.DefaultProfile, "the Key Manager under test: "+strings.Join(plan.ProfileNames(), ", ")+" (see 'kmconform specs')")
	fs.StringVar(&cfg.LabelFilter, "label-filter", "", "run only the checks whose labels match, e.g. 'area:revocation' or 'cap:issuer || id:grants.client_credentials' (see 'kmconform specs')")
}

// resolve fills defaults, validates everything that can be checked before anything starts and returns the
// cell. It creates nothing.
func (c *cellFlags) resolve(fs *flag.FlagSet) (matrix.Cell, error) {
	cfg := &c.cfg
	if fs.NArg() > 0 {
		return matrix.Cell{}, usageError("unexpected argument %q: every option is a flag, see 'kmconform %s -h'", fs.Arg(0), strings.Fields(fs.Name())[1])
	}
	if _, err := plan.ProfileNamed(cfg.Profile); err != nil {
		return matrix.Cell{}, usageError("%v", err)
	}
	if cfg.Profile == plan.DefaultProfile {
		cfg.Profile = "" // the default profile's cells keep their names and reports
	}
	if cfg.IS == "" || cfg.APIM == "" {
		return matrix.Cell{}, usageError("both --is and --apim are needed, e.g. --is 7.1.0 --apim 4.5.0 --target sim")
	}
	if cfg.Kmsim == "" {
		cfg.Kmsim = findBinary("kmsim")
	}
	cfg.ReportDir = "-" // set once the cell's name is known
	checked, err := cfg.Validate()
	if err != nil {
		return matrix.Cell{}, usageError("%v", err)
	}
	cell := checked.Cell
	if n := len(selectChecks(cfg.LabelFilter)); n == 0 {
		return matrix.Cell{}, usageError("--label-filter %q selects no check: 'kmconform specs' lists the checks and their labels", cfg.LabelFilter)
	}
	if cfg.Kmsim == "" && cfg.Target != cellrun.TargetAttach {
		return matrix.Cell{}, usageError("kmsim was not found next to kmconform or on PATH: build it with 'make build' or pass --kmsim")
	}
	abs := func(p *string) error {
		if *p == "" {
			return nil
		}
		a, err := filepath.Abs(*p)
		*p = a
		return err
	}
	for _, p := range []*string{&cfg.Kmsim, &cfg.Matrix, &cfg.NotificationJAR} {
		if err := abs(p); err != nil {
			return matrix.Cell{}, err
		}
	}
	reports, err := filepath.Abs(c.reports)
	if err != nil {
		return matrix.Cell{}, err
	}
	cfg.ReportDir = filepath.Join(reports, cell.Name())
	if cfg.RunID == "" {
		cfg.RunID = newRunID()
	}
	if cfg.Seed == 0 {
		cfg.Seed = time.Now().UnixNano() % 1_000_000_007
	}
	return cell, nil
}

// newRunID is short, sortable and unique enough to label one run's containers.
func newRunID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b)
}
