// Package checks is kmconform's catalogue: every conformance check as a declared value — a stable ID, the
// area and capability it belongs to, the documentation clauses it enforces, the fixtures it needs and the
// faults that prove it can fail — with its body. The Ginkgo suite (suites/conformance) generates one spec
// per check; 'kmconform specs' lists them; the self-test runs each check with each of its faults.
package checks

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kmconform/kmconform/harness/faults"
	"github.com/kmconform/kmconform/harness/fixture"
)

// Level is how strongly the documentation asks for what a check enforces.
type Level string

// The levels (RFC 2119 words).
const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
)

// Proof is a fault that must make a check fail, and words its failure message must contain, so that the
// failure names the cause.
type Proof struct {
	Fault string `json:"name"`
	Cause string `json:"cause"`
}

// Check is one conformance check.
type Check struct {
	// ID is stable across releases: <area>.<what>, e.g. revocation.jwt.gateway.
	ID   string
	Area string
	// Capability is a capability of fixtures/matrix.yaml; the cell's expectation for it decides whether
	// the check runs, is not supported, or is a known failure.
	Capability string
	Title      string
	// Refs are the clauses and documents it enforces: "RFC 7009 §2", "API-M docs: Configure WSO2 IS 7 as a
	// Key Manager", "wso2/product-apim#11274". Public sources a user can open.
	Refs     []string
	Level    Level
	Fixtures []string
	Faults   []Proof
	// Files marks a check that reads the products' files (deployment.toml, stores, dropins, logs): it cannot
	// run against a pair kmconform did not start (the attach target) and is reported not_applicable there.
	Files bool
	Run   func(c *C)
}

// Labels are the check's Ginkgo labels: area, capability, id, level and each fault that proves it, so that
// 'kmconform run --label-filter area:revocation' or 'fault:no-jar' selects checks.
func (ch *Check) Labels() []string {
	l := []string{"area:" + ch.Area, "cap:" + ch.Capability, "id:" + ch.ID, "level:" + string(ch.Level)}
	for _, f := range ch.Faults {
		l = append(l, "fault:"+f.Fault)
	}
	return l
}

// Areas in report order.
var Areas = []string{"setup", "endpoints", "grants", "issuer", "revocation", "mismatch", "keymanager", "roles", "validation", "oidc"}

var (
	mu        sync.Mutex
	catalogue []*Check
)

// register adds checks to the catalogue (from each area file's init).
func register(cs ...*Check) {
	mu.Lock()
	defer mu.Unlock()
	catalogue = append(catalogue, cs...)
}

// All returns the catalogue in area order, then by ID.
func All() []*Check {
	mu.Lock()
	defer mu.Unlock()
	out := slices.Clone(catalogue)
	sort.SliceStable(out, func(i, j int) bool {
		ai, aj := slices.Index(Areas, out[i].Area), slices.Index(Areas, out[j].Area)
		if ai != aj {
			return ai < aj
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Validate refuses a check that cannot be trusted: no reference, no fault that proves it, an unknown
// capability, fixture or fault, a duplicate ID.
func Validate(all []*Check, capabilities map[string]string) error {
	var errs []error
	seen := map[string]bool{}
	for _, c := range all {
		where := fmt.Sprintf("check %q", c.ID)
		switch {
		case c.ID == "" || !strings.HasPrefix(c.ID, c.Area+"."):
			errs = append(errs, fmt.Errorf("%s: the ID must start with its area %q", where, c.Area))
		case seen[c.ID]:
			errs = append(errs, fmt.Errorf("%s: duplicate ID", where))
		}
		seen[c.ID] = true
		if !slices.Contains(Areas, c.Area) {
			errs = append(errs, fmt.Errorf("%s: unknown area %q", where, c.Area))
		}
		if _, ok := capabilities[c.Capability]; !ok {
			errs = append(errs, fmt.Errorf("%s: unknown capability %q (fixtures/matrix.yaml lists the capabilities)", where, c.Capability))
		}
		if strings.TrimSpace(c.Title) == "" || c.Run == nil {
			errs = append(errs, fmt.Errorf("%s: needs a title and a body", where))
		}
		if c.Level != MUST && c.Level != SHOULD {
			errs = append(errs, fmt.Errorf("%s: level must be MUST or SHOULD", where))
		}
		if len(c.Refs) == 0 {
			errs = append(errs, fmt.Errorf("%s: needs at least one reference (the clause or document it enforces)", where))
		}
		if len(c.Faults) == 0 {
			errs = append(errs, fmt.Errorf("%s: needs at least one fault that makes it fail (a check that cannot fail is a defect)", where))
		}
		for _, p := range c.Faults {
			if _, ok := faults.Lookup(p.Fault); !ok {
				errs = append(errs, fmt.Errorf("%s: unknown fault %q", where, p.Fault))
			}
			if strings.TrimSpace(p.Cause) == "" {
				errs = append(errs, fmt.Errorf("%s: fault %s needs the words its failure message must contain", where, p.Fault))
			}
		}
		for _, f := range c.Fixtures {
			if !fixture.Known(f) {
				errs = append(errs, fmt.Errorf("%s: unknown fixture %q", where, f))
			}
		}
	}
	return errors.Join(errs...)
}
