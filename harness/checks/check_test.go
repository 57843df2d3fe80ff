package checks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/results"
)

func defaultMatrix(t *testing.T) *matrix.Matrix {
	t.Helper()
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTheCatalogueIsValid(t *testing.T) {
	all := All()
	if len(all) == 0 {
		t.Fatal("the catalogue is empty")
	}
	if err := Validate(all, defaultMatrix(t).Capabilities); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRefusesChecksThatCannotBeTrusted(t *testing.T) {
	good := func() *Check {
		return &Check{ID: "issuer.x", Area: "issuer", Capability: "issuer", Title: "t", Level: MUST,
			Refs: []string{"RFC 1"}, Faults: []Proof{{"wrong-issuer", "cause"}}, Run: func(*C) {}}
	}
	caps := defaultMatrix(t).Capabilities
	if err := Validate([]*Check{good()}, caps); err != nil {
		t.Fatalf("a good check is refused: %v", err)
	}
	for name, c := range map[string]struct {
		mutate func(*Check)
		want   string
	}{
		"unknown capability":  {func(c *Check) { c.Capability = "teleport" }, `unknown capability "teleport"`},
		"no reference":        {func(c *Check) { c.Refs = nil }, "needs at least one reference"},
		"no fault":            {func(c *Check) { c.Faults = nil }, "needs at least one fault"},
		"unknown fault":       {func(c *Check) { c.Faults = []Proof{{"gremlins", "x"}} }, `unknown fault "gremlins"`},
		"fault without cause": {func(c *Check) { c.Faults = []Proof{{"wrong-issuer", ""}} }, "needs the words"},
		"unknown fixture":     {func(c *Check) { c.Fixtures = []string{"unicorn"} }, `unknown fixture "unicorn"`},
		"id outside area":     {func(c *Check) { c.ID = "grants.x" }, "must start with its area"},
		"no level":            {func(c *Check) { c.Level = "" }, "level must be"},
	} {
		ch := good()
		c.mutate(ch)
		if err := Validate([]*Check{ch}, caps); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	if err := Validate([]*Check{good(), good()}, caps); err == nil || !strings.Contains(err.Error(), "duplicate ID") {
		t.Errorf("duplicate IDs: err = %v", err)
	}
}

func cellWith(t *testing.T, entries string) matrix.Cell {
	t.Helper()
	raw := `
identityServer: [{version: "7.1.0", image: i, storeType: PKCS12}]
apiManager: [{version: "4.5.0", image: a}]
capabilities: {issuer: i, km.restriction: k}
expectations:
` + entries
	m, err := matrix.Parse([]byte(raw), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Cell("7.1.0", "4.5.0")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJudge(t *testing.T) {
	ch := &Check{ID: "issuer.x", Capability: "issuer"}
	known := `  - {is: "*", apim: "*", capability: issuer, status: known-failure, match: "iss flips", reason: product-is#26522, link: "https://x"}
  - {is: "*", apim: "*", setup: is-app, status: known-failure, match: "Unrecognized field", reason: DCR field, link: "https://y"}
`
	cell := cellWith(t, known)
	plain := cellWith(t, "  []\n")
	for name, c := range map[string]struct {
		cell matrix.Cell
		run  Run
		want results.Outcome
		msg  string
	}{
		"pass":                          {plain, Run{}, results.Passed, ""},
		"fail":                          {plain, Run{Failed: true, Message: "boom"}, results.Failed, "boom"},
		"known failure, its reason":     {cell, Run{Failed: true, Message: "the iss flips between two values"}, results.XFail, "XFAIL (https://x)"},
		"known failure, another reason": {cell, Run{Failed: true, Message: "connection refused"}, results.Failed, `expects a failure containing "iss flips"`},
		"known failure passes":          {cell, Run{}, results.XPass, "remove the expectation"},
		"known fixture failure":         {cell, Run{Failed: true, Fixture: "is-app", Message: "Unrecognized field : ext_allowed_audience"}, results.XFail, "fixture is-app is a known failure"},
		"fixture fails otherwise":       {plain, Run{Failed: true, Fixture: "is-app", Message: "Unrecognized field"}, results.Failed, "Unrecognized"},
	} {
		v := Judge(c.cell, ch, c.run)
		if v.Outcome != c.want || !strings.Contains(v.Message, c.msg) {
			t.Errorf("%s: %+v, want %s with %q", name, v, c.want, c.msg)
		}
	}
	unsupported := cellWith(t, `  - {is: "*", apim: "*", capability: km.restriction, status: unsupported, reason: "not in GA"}`+"\n")
	if v, run := Before(unsupported, &Check{ID: "mismatch.x", Capability: "km.restriction"}); run || v.Outcome != results.NotSupported || !strings.Contains(v.Message, "NOT_SUPPORTED") {
		t.Errorf("unsupported: %+v run=%t", v, run)
	}
}

func TestExecuteTurnsFailuresPanicsAndFixtureErrorsIntoRuns(t *testing.T) {
	e := &env.Env{Redactor: &evidence.Redactor{}}
	e.Redactor.Add("s3cr3t-value")
	run := func(body func(*C)) Run {
		return Execute(context.Background(), &Check{ID: "issuer.t", Fixtures: []string{"is-app"}, Run: body}, e, fixture.NewSet(e), nil)
	}
	if r := run(func(c *C) { c.Measure("m", 3) }); r.Failed || r.Measurements["m"] != 3 {
		t.Errorf("passing body: %+v", r)
	}
	if r := run(func(c *C) { c.Failf("client secret s3cr3t-value leaked") }); !r.Failed || strings.Contains(r.Message, "s3cr3t-value") {
		t.Errorf("failure not redacted: %+v", r)
	}
	if r := run(func(c *C) { c.Expect(1).To(gomega.Equal(2)) }); !r.Failed {
		t.Errorf("a Gomega failure did not fail the check: %+v", r)
	}
	if r := run(func(c *C) { var m map[string]int; m["x"] = 1 }); !r.Failed || !strings.Contains(r.Message, "panicked") {
		t.Errorf("a panic did not fail the check: %+v", r)
	}
	fe := &fixture.Error{Fixture: "is-app", Err: errors.New("HTTP 500")}
	if r := run(func(c *C) { c.NoErr(fe, "need the app") }); r.Fixture != "is-app" {
		t.Errorf("fixture error not recorded: %+v", r)
	}
	if r := run(func(c *C) { Shared(c, fixture.ResidentApp) }); !r.Failed || !strings.Contains(r.Message, "without declaring it") {
		t.Errorf("an undeclared fixture was allowed: %+v", r)
	}
	deferred := false
	run(func(c *C) {
		c.Defer(func(context.Context) error { deferred = true; return nil })
		c.Failf("x")
	})
	if !deferred {
		t.Error("deferred cleanup did not run after a failure")
	}
}

var removed []string

// privateCounter is a fixture whose cleanup records that it ran.
var privateCounter = fixture.Define("test-private-counter", "a fixture of this test",
	func(ctx context.Context, s *fixture.Set) (string, fixture.Cleanup, error) {
		return "instance", func(context.Context) error { removed = append(removed, "instance"); return nil }, nil
	})

func TestAPrivateFixtureIsRemovedWhenItsCheckEnds(t *testing.T) {
	e := &env.Env{Redactor: &evidence.Redactor{}}
	fx := fixture.NewSet(e)
	removed = nil
	r := Execute(context.Background(), &Check{ID: "issuer.t", Fixtures: []string{privateCounter.Name}, Run: func(c *C) {
		if v := Private(c, privateCounter); v != "instance" {
			c.Failf("got %q", v)
		}
		c.Failf("the check fails after taking its fixture")
	}}, e, fx, nil)
	if !r.Failed || len(removed) != 1 {
		t.Fatalf("run %+v; cleanups run: %v (want the private instance removed at the end of its check)", r, removed)
	}
	if err := fx.Close(context.Background()); err != nil || len(removed) != 1 {
		t.Errorf("the run's cleanup removed it again: %v %v", removed, err)
	}
}
