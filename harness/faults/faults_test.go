package faults

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
)

func TestParseKeepsTheKindsApart(t *testing.T) {
	fs, err := Parse("no-jar, wrong-issuer,no-jar", Setup)
	if err != nil || len(fs) != 2 {
		t.Fatalf("fs = %v, err = %v", fs, err)
	}
	for list, want := range map[string]string{
		"gremlins":              `unknown setup fault "gremlins"`,
		"is-token-iss-mismatch": "pass it with --sim-fault",
	} {
		if _, err := Parse(list, Setup); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", list, err, want)
		}
	}
	if _, err := Parse("open-api", Product); err == nil || !strings.Contains(err.Error(), "pass it with --inject-fault") {
		t.Errorf("setup fault as product fault: %v", err)
	}
}

// Every setup fault changes the documented plan, and only setup faults do.
func TestEverySetupFaultChangesThePlan(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	cell, _ := m.Cell("7.1.0", "4.5.0")
	render := func(p *plan.Plan) string {
		c := *p
		c.Faults = nil
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, f := range All() {
		p, err := plan.Documented(cell, plan.JAR{Name: "h.jar", Content: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		before := render(p)
		Apply(p, []Fault{f}, nil)
		changed := render(p) != before
		if changed != (f.Kind == Setup) {
			t.Errorf("fault %s (%s): plan changed = %t", f.Name, f.Kind, changed)
		}
		if f.Kind == Setup && (len(p.Faults) != 1 || p.Faults[0] != f.Name) {
			t.Errorf("fault %s not recorded in the plan: %v", f.Name, p.Faults)
		}
		if f.Kind == Product && f.Product != "is" && f.Product != "apim" {
			t.Errorf("product fault %s names no product", f.Name)
		}
	}
}
