package main

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func emit(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runMain(append([]string{"matrix"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

// The GitHub Actions workflow: one job per cell (a matrix entry each) that runs the cell and uploads its
// reports/<cell>/ even when the cell failed, and a last job that downloads them all and merges them.
func TestEmitGitHubActions(t *testing.T) {
	out, errOut, code := emit(t, "--emit", "github-actions", "--is", "all", "--apim", "all", "--label-filter", "area:revocation || cap:issuer")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Needs    any    `yaml:"needs"`
			If       string `yaml:"if"`
			RunsOn   string `yaml:"runs-on"`
			Strategy struct {
				FailFast bool `yaml:"fail-fast"`
				Matrix   struct {
					Include []map[string]string `yaml:"include"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(out), &wf); err != nil {
		t.Fatalf("the workflow is not YAML: %v\n%s", err, out)
	}
	cell, rep := wf.Jobs["cell"], wf.Jobs["report"]
	if len(wf.Jobs) != 2 || cell.RunsOn == "" || rep.RunsOn == "" {
		t.Fatalf("jobs = %v", wf.Jobs)
	}
	if wf.On["schedule"] == nil || wf.On["workflow_dispatch"] == nil {
		t.Errorf("the workflow runs neither nightly nor on demand: on = %v", wf.On)
	}
	cells := map[string]bool{}
	for _, inc := range cell.Strategy.Matrix.Include {
		name := "is-" + inc["is"] + "_apim-" + inc["apim"]
		if inc["cell"] != name || cells[name] {
			t.Errorf("matrix entry %v: cell name wrong or repeated", inc)
		}
		cells[name] = true
	}
	if len(cells) != 20 || !cells["is-7.0.0_apim-4.3.0"] || !cells["is-7.3.0_apim-4.7.0"] {
		t.Errorf("the workflow has %d cells, want the 20 of IS 7.0–7.3 × API-M 4.3–4.7", len(cells))
	}
	if cell.Strategy.FailFast {
		t.Error("fail-fast would cancel the other cells when one regresses")
	}
	var run, upload string
	var uploadIf string
	for _, s := range cell.Steps {
		if strings.Contains(s.Run, "kmconform run") {
			run = s.Run
		}
		if strings.HasPrefix(s.Uses, "actions/upload-artifact") {
			upload, uploadIf = s.With["path"], s.If
			if s.With["name"] != "${{ matrix.cell }}" {
				t.Errorf("the cell's artifact is named %q, want the cell", s.With["name"])
			}
		}
	}
	for _, want := range []string{`--is "${{ matrix.is }}"`, `--apim "${{ matrix.apim }}"`, "--target=official", "--label-filter='area:revocation || cap:issuer'", "--reports reports"} {
		if !strings.Contains(run, want) {
			t.Errorf("the cell job's command %q lacks %q", run, want)
		}
	}
	if upload != "reports/${{ matrix.cell }}/" || uploadIf != "always()" {
		t.Errorf("the cell job uploads %q (if %q), want reports/<cell>/ always", upload, uploadIf)
	}
	if rep.Needs != "cell" || rep.If != "always()" {
		t.Errorf("the report job needs %v if %q: it must wait for every cell and run also when one failed", rep.Needs, rep.If)
	}
	var download, merge string
	for _, s := range rep.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact") {
			download = s.With["path"]
		}
		if strings.Contains(s.Run, "report merge") {
			merge = s.Run
		}
	}
	if download == "" || !strings.Contains(merge, "kmconform report merge "+download) {
		t.Errorf("the report job downloads to %q and merges with %q", download, merge)
	}
}

// GitLab: parallel:matrix gives one job per cell, each keeping reports/ as its artifact; the report job
// needs them all and merges.
func TestEmitGitLab(t *testing.T) {
	for _, target := range []string{"official", "sim"} {
		out, errOut, code := emit(t, "--emit", "gitlab", "--is", "7.0.0,7.2.0", "--apim", "4.5.0,4.6.0", "--target", target)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		type job struct {
			Stage    string   `yaml:"stage"`
			Services []string `yaml:"services"`
			When     string   `yaml:"when"`
			Needs    []struct {
				Job       string `yaml:"job"`
				Artifacts bool   `yaml:"artifacts"`
			} `yaml:"needs"`
			Parallel struct {
				Matrix []struct {
					IS   string   `yaml:"KMCONFORM_IS"`
					APIM []string `yaml:"KMCONFORM_APIM"`
				} `yaml:"matrix"`
			} `yaml:"parallel"`
			Script    []string `yaml:"script"`
			Artifacts struct {
				When  string   `yaml:"when"`
				Paths []string `yaml:"paths"`
			} `yaml:"artifacts"`
		}
		var p struct {
			Stages []string `yaml:"stages"`
			Cell   job      `yaml:"kmconform-cell"`
			Report job      `yaml:"kmconform-report"`
		}
		if err := yaml.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("the pipeline is not YAML: %v\n%s", err, out)
		}
		cell, rep := p.Cell, p.Report
		if strings.Join(p.Stages, ",") != "cells,report" || cell.Stage != "cells" {
			t.Errorf("%s: stages %v, cell job in stage %q", target, p.Stages, cell.Stage)
		}
		var cells []string
		for _, e := range cell.Parallel.Matrix {
			for _, am := range e.APIM {
				cells = append(cells, e.IS+"×"+am)
			}
		}
		if got := strings.Join(cells, " "); got != "7.0.0×4.5.0 7.0.0×4.6.0 7.2.0×4.5.0 7.2.0×4.6.0" {
			t.Errorf("%s: parallel:matrix makes cells %s", target, got)
		}
		script := strings.Join(cell.Script, "\n")
		if !strings.Contains(script, `bin/kmconform run --is "$KMCONFORM_IS" --apim "$KMCONFORM_APIM" --target=`+target) {
			t.Errorf("%s: the cell job's script:\n%s", target, script)
		}
		if cell.Artifacts.When != "always" || len(cell.Artifacts.Paths) != 1 || cell.Artifacts.Paths[0] != "reports/" {
			t.Errorf("%s: the cell job keeps %+v, want reports/ always", target, cell.Artifacts)
		}
		if (target == "official") != (len(cell.Services) == 1 && cell.Services[0] == "docker:dind") {
			t.Errorf("%s: services %v (a Docker target needs a Docker engine, the simulator none)", target, cell.Services)
		}
		if rep.Stage != "report" || rep.When != "always" || len(rep.Needs) != 1 || rep.Needs[0].Job != "kmconform-cell" || !rep.Needs[0].Artifacts {
			t.Errorf("%s: the report job = %+v", target, rep)
		}
		if !strings.Contains(strings.Join(rep.Script, "\n"), "bin/kmconform report merge reports --reports reports") {
			t.Errorf("%s: the report job does not merge: %v", target, rep.Script)
		}
	}
}

func TestEmitRefusesWhatMustNotBeWritten(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"credentials in a URL": {[]string{"--emit", "github-actions", "--is", "7.1.0", "--apim", "4.5.0", "--maven-repo", "https://user:s3cret@maven.example.com/repo"},
			"--maven-repo carries credentials"},
		"unknown CI":      {[]string{"--emit", "jenkins", "--is", "7.1.0", "--apim", "4.5.0"}, `--emit "jenkins": use github-actions or gitlab`},
		"unknown version": {[]string{"--emit", "gitlab", "--is", "7.9.0", "--apim", "4.5.0"}, `unknown IS version "7.9.0"`},
	} {
		out, errOut, code := emit(t, c.args...)
		if code != 2 || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2, nothing written, one line with %q", name, code, out, errOut, c.want)
		}
		if strings.Contains(out+errOut, "s3cret") {
			t.Errorf("%s: the secret was echoed", name)
		}
	}
}
