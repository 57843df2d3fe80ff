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

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/topology"
)

// Targets kmconform can run a cell against.
const (
	TargetSim       = "sim"        // kmsim processes on this machine
	TargetSimDocker = "sim-docker" // kmsim images built locally FROM scratch, on Docker
	TargetOfficial  = "official"   // the official WSO2 images, on Docker
)

// Targets lists every target name.
var Targets = []string{TargetOfficial, TargetSim, TargetSimDocker}

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
	return matrix.Parse(raw, c.Matrix)
}

// Validate checks everything that can be checked before anything starts, and applies interval overrides.
func (c Config) Validate() (matrix.Cell, topology.Faults, error) {
	if !slices.Contains(Targets, c.Target) {
		return matrix.Cell{}, nil, fmt.Errorf("unknown target %q: use one of %s", c.Target, strings.Join(Targets, ", "))
	}
	m, err := c.LoadMatrix()
	if err != nil {
		return matrix.Cell{}, nil, err
	}
	for i, e := range m.Expectations {
		if e.Setup != "" && !slices.Contains(topology.StepIDs(), e.Setup) {
			return matrix.Cell{}, nil, fmt.Errorf("matrix expectation %d names unknown setup step %q: use one of %s",
				i+1, e.Setup, strings.Join(topology.StepIDs(), ", "))
		}
	}
	cell, err := m.Cell(c.IS, c.APIM)
	if err != nil {
		return matrix.Cell{}, nil, err
	}
	faults, err := topology.ParseFaults(c.Faults)
	if err != nil {
		return matrix.Cell{}, nil, err
	}
	if err := intervals.Override(c.Intervals); err != nil {
		return matrix.Cell{}, nil, err
	}
	if c.ReportDir == "" {
		return matrix.Cell{}, nil, errors.New("no report folder was given")
	}
	return cell, faults, nil
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
