package report

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/kmconform/kmconform/harness/results"
)

// Outcomes lists every outcome the grid colours, in legend order, with what it means.
var Outcomes = []struct {
	Outcome results.Outcome
	Label   string
	Means   string
}{
	{results.Passed, "passed", "the check passed"},
	{results.Failed, "failed", "a regression: no matrix entry explains the failure"},
	{results.XPass, "XPASS", "a known failure passed: the matrix entry is stale"},
	{results.Error, "error", "the environment or the harness failed; nothing was proven"},
	{results.XFail, "XFAIL", "failed for the known reason the matrix lists"},
	{results.NotSupported, "not supported", "the cell lacks the capability (matrix)"},
	{results.NotApplicable, "not applicable", "the target cannot run it (attach: no file access)"},
	{results.Skipped, "skipped", "did not run (setup failed or skipped, run interrupted)"},
}

var glyphs = map[results.Outcome]string{
	results.Passed: "✓", results.Failed: "✗", results.XPass: "!", results.Error: "E", results.XFail: "x",
	results.NotSupported: "–", results.NotApplicable: "/", results.Skipped: "·",
}

func outcomeClass(o results.Outcome) string { return "o-" + strings.ReplaceAll(string(o), "_", "-") }

func outcomeLabel(o results.Outcome) string {
	for _, x := range Outcomes {
		if x.Outcome == o {
			return x.Label
		}
	}
	return string(o)
}

// areaGroup is a run of grid columns of one area.
type areaGroup struct {
	Area   string
	Checks []Column
}

func (m *Matrix) areaGroups() []areaGroup {
	var out []areaGroup
	for _, c := range m.Checks {
		if n := len(out); n > 0 && out[n-1].Area == c.Area {
			out[n-1].Checks = append(out[n-1].Checks, c)
			continue
		}
		out = append(out, areaGroup{Area: c.Area, Checks: []Column{c}})
	}
	return out
}

var page = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"cell": func(m *Matrix, is, am string) *Cell { return m.cell(is, am) },
	"spec": func(c Cell, id string) *Spec {
		if s, ok := c.Spec(id); ok {
			return &s
		}
		return nil
	},
	"oclass": outcomeClass,
	"olabel": outcomeLabel,
	"glyph":  func(o results.Outcome) string { return glyphs[o] },
	"short": func(id, area string) string {
		return strings.TrimPrefix(id, area+".")
	},
	"anchor": func(cell, check string) string { return "cell-" + cell + "--" + check },
	"ms":     func(v float64) string { return fmt.Sprintf("%g", v) },
	"pct": func(v, max float64) string {
		if max <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", 100*v/max)
	},
	"sec": func(ms int64) string { return fmt.Sprintf("%.1f s", float64(ms)/1000) },
	"join": func(m map[string]float64) string {
		var parts []string
		for k, v := range m {
			parts = append(parts, fmt.Sprintf("%s=%g", k, v))
		}
		sort.Strings(parts)
		return strings.Join(parts, " ")
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kmconform matrix — {{.S.Verdict}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em 2em;color:#1d1d1f;background:#fff}
h1{margin:.2em 0}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
a{color:inherit}code{font-size:12px}.muted{color:#666}.nowrap{white-space:nowrap}
.v-pass{background:#d7f3d0}.v-known{background:#fff1bf}.v-interrupted{background:#e6e6e6}.v-error{background:#e8d7f5}
.v-stale{background:#ffd9a8}.v-regression{background:#f8c4c4;font-weight:bold}.v-none{color:#999}
.banner{display:inline-block;padding:.3em .8em;border-radius:4px;font-weight:bold}
#grid{font-size:12px}#grid th.cellname{white-space:nowrap;font-weight:normal}#grid th.area{text-align:center;background:#f4f4f4}
#grid th.check{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;padding:.4em .1em;height:auto}
#grid td.sq{width:20px;height:20px;padding:0;text-align:center;vertical-align:middle}
#grid td.sq a{display:block;width:100%;height:100%;line-height:20px;text-decoration:none;color:#fff;font-weight:bold}
.sq,.badge{color:#fff}.badge{display:inline-block;padding:0 .4em;border-radius:3px;font-size:12px}
.o-passed{background:#2e9e44}.o-failed{background:#d62728}.o-xpass{background:#ff7f0e}.o-error{background:#7b3fa0}
.o-xfail{background:#d4a100}.o-not-supported{background:#8a9199}.o-not-applicable{background:repeating-linear-gradient(45deg,#b9c0c8,#b9c0c8 3px,#e3e7eb 3px,#e3e7eb 6px);color:#333}
.o-skipped{background:#d9d9d9;color:#333}.o-none{background:#fff}
.legend span.badge{margin-right:.3em}.legend li{list-style:none;display:inline-block;margin:0 1.2em .3em 0}.legend ul{padding:0}
.bar{display:inline-block;height:10px;background:#4a78c2;vertical-align:middle}
</style></head><body>
<h1>kmconform matrix</h1>
<p><span class="banner v-{{.S.Verdict}}" id="verdict">{{.S.Verdict}}</span>
Generated {{.M.Generated.Format "2006-01-02 15:04 MST"}}. {{.S.Cells}} cells: {{.S.Passed}} passed,
{{.S.KnownFailures}} with known incompatibilities only, {{.S.Stale}} with stale expectations, {{.S.Regressions}} with regressions,
{{.S.Errors}} with environment or harness errors, {{.S.Interrupted}} interrupted.</p>

<h2>IS × API-M</h2>
<table id="overview"><tr><th>IS \ API-M</th>{{range .AM}}<th>{{.}}</th>{{end}}</tr>
{{range $is := .IS}}<tr><th>{{$is}}</th>{{range $am := $.AM}}{{with cell $.M $is $am}}<td class="v-{{.Verdict}}"><a href="#cell-{{.Name}}">{{.Label}}</a></td>{{else}}<td class="v-none">–</td>{{end}}{{end}}</tr>
{{end}}</table>

{{define "findings"}}{{if .Lines}}<h2>{{.Title}}</h2><p>{{.Explain}}</p><ul>{{range .Lines}}<li><a href="#{{if .Check}}{{anchor .Cell .Check}}{{else}}cell-{{.Cell}}{{end}}">{{.Cell}}</a>{{if .Check}} — <code>{{.Check}}</code>{{end}}: {{.Text}}{{if .Link}} (<a href="{{.Link}}">link</a>){{end}}</li>{{end}}</ul>{{end}}{{end}}
{{template "findings" .Regressions}}{{template "findings" .Stale}}{{template "findings" .Errors}}{{template "findings" .Known}}

<h2>Every check of every cell</h2>
<div class="legend"><ul>{{range .Outcomes}}<li><span class="badge {{oclass .Outcome}}">{{glyph .Outcome}}</span>{{.Label}} <span class="muted">— {{.Means}}</span></li>{{end}}</ul></div>
<table id="grid" data-cells="{{len .M.Cells}}" data-checks="{{len .M.Checks}}">
<thead><tr><th rowspan="2">cell</th><th rowspan="2">target</th><th class="check" rowspan="2" title="the base setup: nodes, configuration, Key Manager, API">base setup</th>{{range .Groups}}<th class="area" colspan="{{len .Checks}}">{{.Area}}</th>{{end}}</tr>
<tr>{{range .Groups}}{{$area := .Area}}{{range .Checks}}<th class="check" title="{{.ID}}: {{.Title}}">{{short .ID $area}}</th>{{end}}{{end}}</tr></thead>
<tbody>{{range $c := .M.Cells}}<tr data-cell="{{$c.Name}}"><th class="cellname"><a href="#cell-{{$c.Name}}">{{$c.Name}}</a></th><td class="muted">{{$c.Target}}</td><td class="sq setup {{oclass $c.Setup.Outcome}}" data-outcome="{{$c.Setup.Outcome}}" title="{{$c.Name}} · base setup: {{olabel $c.Setup.Outcome}}{{if $c.Setup.Step}} at {{$c.Setup.Step}}{{end}}{{if $c.Setup.Message}} — {{$c.Setup.Message}}{{end}}"><a href="#cell-{{$c.Name}}">{{glyph $c.Setup.Outcome}}</a></td>{{range $.M.Checks}}{{with spec $c .ID}}<td class="sq {{oclass .Outcome}}" data-check="{{.ID}}" data-outcome="{{.Outcome}}" title="{{$c.Name}} · {{.ID}}: {{olabel .Outcome}}{{if .Message}} — {{.Message}}{{end}}"><a href="#{{anchor $c.Name .ID}}">{{glyph .Outcome}}</a></td>{{else}}<td class="sq o-none" data-check="{{.ID}}" data-outcome="" title="{{$c.Name}} · {{.ID}}: not selected in this cell"></td>{{end}}{{end}}</tr>
{{end}}</tbody></table>

{{if .Latency}}<h2>Revocation latency</h2>
<p>From a revocation at IS to the gateway refusing the token (check <code>revocation.latency</code>), per cell and labelled by target: the simulator's figures say nothing about the products.</p>
<table id="latency"><tr><th>cell</th><th>target</th><th>p50 ms</th><th>p95 ms</th><th>max ms</th><th>samples</th><th>p50 / p95</th></tr>
{{range .Latency}}<tr data-cell="{{.Name}}"><td><a href="#cell-{{.Name}}">{{.Name}}</a></td><td>{{.Target}}</td><td>{{ms .Revocation.P50Ms}}</td><td>{{ms .Revocation.P95Ms}}</td><td>{{ms .Revocation.MaxMs}}</td><td>{{.Revocation.Samples}}</td><td class="nowrap"><span class="bar" style="width:{{pct .Revocation.P50Ms $.LatencyMax}}px"></span> <span class="bar" style="opacity:.5;width:{{pct .Revocation.P95Ms $.LatencyMax}}px"></span></td></tr>
{{end}}</table>{{end}}

{{if .Drift}}<h2>Documentation drift</h2><p>Values the API-M documentation prints that differ from what IS serves.</p>
<table id="drift"><tr><th>cell</th><th>field</th><th>documented</th><th>served</th><th>source</th></tr>
{{range .Drift}}<tr><td>{{.Cell}}</td><td><code>{{.Field}}</code></td><td><code>{{.Documented}}</code></td><td><code>{{.Served}}</code></td><td>{{.Source}}</td></tr>
{{end}}</table>{{end}}

<h2>Cells</h2>
{{range $c := .M.Cells}}<section class="cell" id="cell-{{$c.Name}}"><h3>{{$c.Name}} <span class="badge v-{{$c.Verdict}}" style="color:#1d1d1f">{{$c.Label}}</span></h3>
<p>Target <b>{{$c.Target}}</b>{{if $c.Seed}}, check order <code>--seed {{$c.Seed}}</code>{{end}}{{if $c.LabelFilter}}, label filter <code>{{$c.LabelFilter}}</code>{{end}}, {{sec $c.DurationMs}}.
Files: <a href="{{$c.Dir}}/results.json">results.json</a> · <a href="{{$c.Dir}}/junit.xml">junit.xml</a> · <a href="{{$c.Dir}}/suite.log">suite.log</a> · <a href="{{$c.Dir}}/http-transcript.log">http-transcript.log</a> · <a href="{{$c.Dir}}/evidence/">evidence/</a></p>
<p>Setup: <span class="badge {{oclass $c.Setup.Outcome}}">{{olabel $c.Setup.Outcome}}</span>{{if $c.Setup.Step}} at <code>{{$c.Setup.Step}}</code>{{end}} {{$c.Setup.Message}}{{if $c.Setup.Link}} (<a href="{{$c.Setup.Link}}">link</a>){{end}}{{range $c.Setup.Stale}}<br>{{.}}{{end}}</p>
{{if $c.Specs}}<table><tr><th>check</th><th>outcome</th><th>message</th><th>time</th><th>measurements</th></tr>
{{range $c.Specs}}<tr id="{{anchor $c.Name .ID}}"><td><code>{{.ID}}</code><br><span class="muted">{{.Title}}</span></td><td><span class="badge {{oclass .Outcome}}">{{olabel .Outcome}}</span></td><td>{{.Message}}{{if .Link}} (<a href="{{.Link}}">link</a>){{end}}</td><td class="nowrap">{{sec .DurationMs}}</td><td><code>{{join .Measurements}}</code></td></tr>
{{end}}</table>{{end}}</section>
{{end}}
</body></html>
`))

type findingsBlock struct {
	Title, Explain string
	Lines          []Finding
}

type driftLine struct {
	Cell string
	results.Drift
}

// HTML renders a self-contained page: no script, no external stylesheet, font or image; links to a cell's
// files are relative, so the folder can be moved or published as a CI artifact.
func (m *Matrix) HTML() ([]byte, error) {
	isVs, amVs := m.axes()
	regressions, stale, errs, known := m.Findings()
	latency := m.latencyRows()
	max := 0.0
	for _, c := range latency {
		max = maxf(max, maxf(c.Revocation.P50Ms, c.Revocation.P95Ms))
	}
	var drift []driftLine
	for _, d := range m.driftRows() {
		drift = append(drift, driftLine{d.cell, d.Drift})
	}
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"M": m, "S": m.Summary, "IS": isVs, "AM": amVs, "Groups": m.areaGroups(), "Outcomes": Outcomes,
		"Regressions": findingsBlock{"Regressions", "Failures no matrix entry explains: act on these.", regressions},
		"Stale":       findingsBlock{"Stale expectations", "Known failures that passed: remove or narrow their matrix entries.", stale},
		"Errors": findingsBlock{"Environment or harness errors",
			"The run could not judge these (no Docker, an image missing, a product that never became ready): fix the environment and run the cells again.", errs},
		"Known":   findingsBlock{"Known incompatibilities", "Listed in the matrix with a reason and a link; not regressions.", known},
		"Latency": latency, "LatencyMax": max / 2, // the widest bar is 200 px
		"Drift": drift,
	})
	return b.Bytes(), err
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}
