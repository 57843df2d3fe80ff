// Package faults is the one place where kmconform's faults are defined. A fault exists to prove that a
// check can fail: kmconform's self-test runs every check with each fault it declares and expects it to
// fail with a message that names the cause.
//
//   - A setup fault is a mistake a user could make in the documented setup. It changes the plan
//     (harness/plan) before the setup runs; the products only ever see the configuration it produces.
//   - A product fault is a regression a product version could ship. The simulator plays it on request
//     (kmsim serve --fault NAME); kmconform passes it through with --sim-fault on simulator targets only.
//     The simulator's own list is authoritative for what it plays; the self-test checks that the two
//     lists agree.
package faults

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/plan"
)

// Kind tells who plays a fault.
type Kind string

// The kinds of fault.
const (
	Setup   Kind = "setup"
	Product Kind = "product"
)

// Fault is one named deviation.
type Fault struct {
	Name string
	Kind Kind
	// Product is the product that plays a product fault ("is" or "apim").
	Product string
	// Doc says what the fault does, in the words of the mistake or regression it reproduces.
	Doc string
	// apply changes the plan (setup faults only).
	apply func(*plan.Plan)
}

// catalogue is every fault kmconform knows, filled by register.
var catalogue []Fault

// register adds faults (from each file's init); a duplicate name is a defect.
func register(fs ...Fault) {
	for _, f := range fs {
		if _, dup := Lookup(f.Name); dup {
			panic("faults: duplicate fault " + f.Name)
		}
		catalogue = append(catalogue, f)
	}
}

// All lists every fault, setup faults first, each kind by name.
func All() []Fault {
	out := slices.Clone(catalogue)
	slices.SortStableFunc(out, func(a, b Fault) int {
		if a.Kind != b.Kind {
			return strings.Compare(string(a.Kind), string(b.Kind)) * -1 // setup before product
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Lookup finds a fault by name.
func Lookup(name string) (Fault, bool) {
	for _, f := range catalogue {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

// Names lists the faults of a kind.
func Names(k Kind) []string {
	var out []string
	for _, f := range All() {
		if f.Kind == k {
			out = append(out, f.Name)
		}
	}
	return out
}

// Parse reads a comma-separated list of faults of one kind; an unknown name, or one of the other kind, is
// one sentence that lists the known ones.
func Parse(list string, k Kind) ([]Fault, error) {
	var out []Fault
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f, ok := Lookup(name)
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown %s fault %q: known %s faults are %s", k, name, k, strings.Join(Names(k), ", "))
		case f.Kind != k:
			flag := map[Kind]string{Setup: "--inject-fault", Product: "--sim-fault"}[f.Kind]
			return nil, fmt.Errorf("%q is a %s fault: pass it with %s", name, f.Kind, flag)
		}
		if !slices.ContainsFunc(out, func(o Fault) bool { return o.Name == name }) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Apply changes p by every setup fault in fs and records them in p.Faults; progress gets a line each.
func Apply(p *plan.Plan, fs []Fault, progress io.Writer) {
	for _, f := range fs {
		if f.Kind != Setup || f.apply == nil {
			continue
		}
		f.apply(p)
		p.Faults = append(p.Faults, f.Name)
		if progress != nil {
			fmt.Fprintf(progress, "  fault %s: %s\n", f.Name, f.Doc)
		}
	}
}
