package report

import (
	"bytes"
	"html/template"
)

var page = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"cell":  func(m *Matrix, is, am string) *Cell { return m.cell(is, am) },
	"label": label,
	"class": func(c *Cell) string {
		if c == nil {
			return "none"
		}
		return string(c.Verdict())
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kmconform matrix</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.4em .7em;text-align:left}
.passed{background:#d8f5d0}.known-failure,.not-supported,.skipped{background:#fff2c2}.stale{background:#ffd9a8}
.regression{background:#f8c9c9;font-weight:bold}.none{color:#999}
li{margin:.3em 0}code{font-size:12px}a{color:inherit}
</style></head><body>
<h1>kmconform matrix</h1>
<p>Generated {{.M.Generated.Format "2006-01-02 15:04 MST"}}. {{.S.Cells}} cells: {{.S.Passed}} passed,
{{.S.KnownFailures}} with known incompatibilities only, {{.S.Stale}} with stale expectations, {{.S.Regressions}} with regressions.</p>
<table><tr><th>IS \ API-M</th>{{range .AM}}<th>{{.}}</th>{{end}}</tr>
{{range $is := .IS}}<tr><th>{{$is}}</th>{{range $am := $.AM}}{{$c := cell $.M $is $am}}<td class="{{class $c}}">{{if $c}}<a href="#{{$c.Name}}">{{label $c}}</a>{{else}}{{label $c}}{{end}}</td>{{end}}</tr>
{{end}}</table>
{{if .Regressions}}<h2>Regressions</h2><p>Failures no matrix entry explains: act on these.</p><ul>{{range .Regressions}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Stale}}<h2>Stale expectations</h2><p>Known failures that passed: remove or narrow their matrix entries.</p><ul>{{range .Stale}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Known}}<h2>Known incompatibilities</h2><p>Listed in the matrix with a reason and a link; not regressions.</p><ul>{{range .Known}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .M.Cells}}<h2 id="{{.Name}}">{{.Name}}</h2><p>Setup: <span class="{{.Setup}}">{{.Setup}}</span> {{.SetupMessage}} — JUnit <code>{{.JUnit}}</code></p>
{{if .Specs}}<table><tr><th>spec</th><th>outcome</th><th>message</th><th>measurements</th></tr>
{{range .Specs}}<tr><td>{{.Name}}</td><td class="{{.Outcome}}">{{.Outcome}}</td><td>{{.Message}}</td><td>{{range $k, $v := .Measurements}}{{$k}}={{$v}} {{end}}</td></tr>
{{end}}</table>{{end}}{{end}}
</body></html>
`))

// HTML renders a self-contained page (no external resources), for CI artifacts.
func (m *Matrix) HTML() ([]byte, error) {
	isVs, amVs := m.axes()
	regressions, stale, known := m.findings()
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"M": m, "S": m.Summary(), "IS": isVs, "AM": amVs,
		"Regressions": regressions, "Stale": stale, "Known": known,
	})
	return b.Bytes(), err
}
