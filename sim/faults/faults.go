// Package faults lists the product regressions the simulator can play on request (kmsim serve --fault
// NAME, or KMSIM_FAULTS). Each changes exactly one behaviour of one product, is off by default, and exists
// only so that kmconform can prove that the check guarding that behaviour fails. The simulator is
// faithful to the reference documents unless a fault is named.
package faults

import (
	"fmt"
	"sort"
	"strings"
)

// Fault is one product regression.
type Fault struct {
	Name    string
	Product string // "is" or "apim"
	Doc     string
}

// All is every fault the simulator plays, filled by register from each file's init.
var All []Fault

func register(fs ...Fault) {
	for _, f := range fs {
		if _, dup := lookup(f.Name); dup {
			panic("faults: duplicate fault " + f.Name)
		}
		All = append(All, f)
	}
}

func init() { register(baseFaults...) }

// baseFaults are the first checks' faults; each area adds its own in a file of its own (faults_<area>.go).
var baseFaults = []Fault{
	{"is-sign-with-unpublished-key", "is", "IS signs JWT access tokens with a key its JWKS does not publish (its own kid)"},
	{"is-token-iss-mismatch", "is", "IS writes the tenant-qualified issuer (…/t/carbon.super/oauth2/token) into JWT access tokens while discovery publishes the plain one"},
	{"apim-notify-ignores-revocation", "apim", "API-M's /internal/data/v1/notify answers 200 to a token_revocation event but does not act on it"},
	{"gateway-ignores-km-restriction", "apim", "the gateway skips the API's keyManagers check on the JWT path"},
}

// Set is the faults a server plays.
type Set map[string]bool

// On reports whether a fault is played (a nil Set plays none).
func (s Set) On(name string) bool { return s[name] }

// Parse reads a comma-separated list for one product. An unknown fault, or one another product plays, is
// an error that lists what this product knows.
func Parse(list, product string) (Set, error) {
	s := Set{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f, ok := lookup(name)
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown fault %q: %s plays %s", name, product, strings.Join(Names(product), ", "))
		case f.Product != product:
			return nil, fmt.Errorf("fault %q is played by %s, not %s", name, f.Product, product)
		}
		s[name] = true
	}
	return s, nil
}

// Names lists the faults a product plays, sorted.
func Names(product string) []string {
	var out []string
	for _, f := range All {
		if f.Product == product {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Doc is a registered fault's description ("" for a name the registry does not hold).
func Doc(name string) string {
	f, _ := lookup(name)
	return f.Doc
}

func lookup(name string) (Fault, bool) {
	for _, f := range All {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}
