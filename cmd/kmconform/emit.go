package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/matrix"
)

// Emit targets.
const (
	EmitGitHub = "github-actions"
	EmitGitLab = "gitlab"
)

// emitFlagsSkipped are the matrix flags that do not travel into a CI job: the cell is the job's, and
// binaries, folders and labels are the job's own.
var emitFlagsSkipped = map[string]bool{
	"is": true, "apim": true, "parallel": true, "quiet": true, "emit": true, "reports": true, "run-id": true,
	"kmsim": true, "suite": true, "keep-work-dir": true,
}

// emitWorkflow prints a CI workflow that runs each cell as its own job on any runner with Docker, each
// uploading its reports/<cell>/, and a last job that merges them into one matrix report.
func emitWorkflow(kind string, fs *flag.FlagSet, cells []matrix.Cell, w io.Writer) error {
	var pass []string
	var err error
	fs.Visit(func(f *flag.Flag) {
		if emitFlagsSkipped[f.Name] || err != nil {
			return
		}
		v := f.Value.String()
		if f.Name == "maven-repo" {
			if u, perr := url.Parse(v); perr == nil && u.User != nil {
				err = usageError("--maven-repo carries credentials, which must not be written into a workflow: give the job a mirror URL without them")
				return
			}
		}
		pass = append(pass, "--"+f.Name+"="+shellQuote(v))
	})
	if err != nil {
		return err
	}
	target := fs.Lookup("target").Value.String()
	args := strings.Join(pass, " ")
	if !strings.Contains(args, "--target=") {
		args = strings.TrimSpace("--target=" + target + " " + args)
	}
	var doc any
	switch kind {
	case EmitGitHub:
		doc = githubWorkflow(cells, args)
	case EmitGitLab:
		doc = gitlabPipeline(cells, args, target != cellrun.TargetSim)
	default:
		return usageError("--emit %q: use github-actions or gitlab", kind)
	}
	b, merr := yaml.Marshal(doc)
	if merr != nil {
		return merr
	}
	header := fmt.Sprintf("# Written by 'kmconform matrix --emit %s': %d cells, each its own job on a runner with Docker, each\n"+
		"# uploading its reports/<cell>/; a last job merges them with 'kmconform report merge' into one matrix report.\n"+
		"# The jobs build kmconform from the repository they run in (make build).\n", kind, len(cells))
	_, werr := io.WriteString(w, header+string(b))
	return werr
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// GitHub Actions.

type ghWorkflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        ghJobs            `yaml:"jobs"`
}

type ghJobs struct {
	Cell   ghJob `yaml:"cell"`
	Report ghJob `yaml:"report"`
}

type ghJob struct {
	Name           string         `yaml:"name,omitempty"`
	Needs          string         `yaml:"needs,omitempty"`
	If             string         `yaml:"if,omitempty"`
	RunsOn         string         `yaml:"runs-on"`
	TimeoutMinutes int            `yaml:"timeout-minutes"`
	Strategy       map[string]any `yaml:"strategy,omitempty"`
	Steps          []ghStep       `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name,omitempty"`
	Uses string            `yaml:"uses,omitempty"`
	If   string            `yaml:"if,omitempty"`
	With map[string]string `yaml:"with,omitempty"`
	Run  string            `yaml:"run,omitempty"`
}

func buildSteps() []ghStep {
	return []ghStep{
		{Uses: "actions/checkout@v4"},
		{Uses: "actions/setup-go@v5", With: map[string]string{"go-version-file": "go.mod"}},
		{Name: "build kmconform", Run: "make build"},
	}
}

func githubWorkflow(cells []matrix.Cell, args string) ghWorkflow {
	var include []map[string]string
	for _, c := range cells {
		include = append(include, map[string]string{"cell": c.Name(), "is": c.IS.Version, "apim": c.APIM.Version})
	}
	cell := ghJob{
		Name: "${{ matrix.cell }}", RunsOn: "ubuntu-latest", TimeoutMinutes: 120,
		Strategy: map[string]any{"fail-fast": false, "matrix": map[string]any{"include": include}},
		Steps: append(buildSteps(),
			ghStep{Name: "run the cell", Run: `bin/kmconform run --is "${{ matrix.is }}" --apim "${{ matrix.apim }}" ` + args + ` --reports reports`},
			ghStep{Name: "upload the cell's reports", If: "always()", Uses: "actions/upload-artifact@v4",
				With: map[string]string{"name": "${{ matrix.cell }}", "path": "reports/${{ matrix.cell }}/", "if-no-files-found": "error"}},
		),
	}
	rep := ghJob{
		Name: "matrix report", Needs: "cell", If: "always()", RunsOn: "ubuntu-latest", TimeoutMinutes: 20,
		Steps: append(buildSteps(),
			ghStep{Name: "download every cell's reports", Uses: "actions/download-artifact@v4", With: map[string]string{"path": "cells"}},
			ghStep{Name: "merge them into one matrix report", Run: "bin/kmconform report merge cells --reports reports"},
			ghStep{Name: "upload the matrix report", If: "always()", Uses: "actions/upload-artifact@v4",
				With: map[string]string{"name": "kmconform-matrix", "path": "reports/"}},
		),
	}
	return ghWorkflow{
		Name:        "kmconform matrix",
		On:          map[string]any{"workflow_dispatch": map[string]any{}, "schedule": []map[string]string{{"cron": "0 2 * * *"}}},
		Permissions: map[string]string{"contents": "read"},
		Jobs:        ghJobs{Cell: cell, Report: rep},
	}
}

// GitLab CI.

type glPipeline struct {
	Stages []string `yaml:"stages"`
	Cell   glJob    `yaml:"kmconform-cell"`
	Report glJob    `yaml:"kmconform-report"`
}

type glJob struct {
	Stage     string            `yaml:"stage"`
	Image     string            `yaml:"image"`
	Services  []string          `yaml:"services,omitempty"`
	Variables map[string]string `yaml:"variables,omitempty"`
	When      string            `yaml:"when,omitempty"`
	Needs     []map[string]any  `yaml:"needs,omitempty"`
	Parallel  map[string]any    `yaml:"parallel,omitempty"`
	Timeout   string            `yaml:"timeout"`
	Script    []string          `yaml:"script"`
	Artifacts glArtifacts       `yaml:"artifacts"`
}

type glArtifacts struct {
	When     string   `yaml:"when"`
	Name     string   `yaml:"name"`
	Paths    []string `yaml:"paths"`
	ExpireIn string   `yaml:"expire_in"`
}

func gitlabPipeline(cells []matrix.Cell, args string, docker bool) glPipeline {
	// parallel:matrix makes one job per combination; each entry lists the API-M versions of one IS
	// version, so that exactly the requested cells run.
	byIS := map[string][]string{}
	for _, c := range cells {
		byIS[c.IS.Version] = append(byIS[c.IS.Version], c.APIM.Version)
	}
	var isVersions []string
	for v := range byIS {
		isVersions = append(isVersions, v)
	}
	sort.Strings(isVersions)
	var entries []map[string]any
	for _, v := range isVersions {
		entries = append(entries, map[string]any{"KMCONFORM_IS": v, "KMCONFORM_APIM": byIS[v]})
	}
	cell := glJob{
		Stage: "cells", Image: "golang:1.26", Timeout: "2h",
		Parallel: map[string]any{"matrix": entries},
		Script: []string{
			"make build",
			`bin/kmconform run --is "$KMCONFORM_IS" --apim "$KMCONFORM_APIM" ` + args + " --reports reports",
		},
		Artifacts: glArtifacts{When: "always", Name: "is-${KMCONFORM_IS}_apim-${KMCONFORM_APIM}", Paths: []string{"reports/"}, ExpireIn: "30 days"},
	}
	if docker {
		cell.Services = []string{"docker:dind"}
		cell.Variables = map[string]string{"DOCKER_HOST": "tcp://docker:2375", "DOCKER_TLS_CERTDIR": ""}
	}
	rep := glJob{
		Stage: "report", Image: "golang:1.26", When: "always", Timeout: "20m",
		Needs:     []map[string]any{{"job": "kmconform-cell", "artifacts": true}},
		Script:    []string{"make build", "bin/kmconform report merge reports --reports reports"},
		Artifacts: glArtifacts{When: "always", Name: "kmconform-matrix", Paths: []string{"reports/"}, ExpireIn: "90 days"},
	}
	return glPipeline{Stages: []string{"cells", "report"}, Cell: cell, Report: rep}
}
