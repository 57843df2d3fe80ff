package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmconform/kmconform/harness/checks"
	"github.com/kmconform/kmconform/harness/faults"
	"github.com/kmconform/kmconform/harness/plan"
)

// specEntry is one check as 'kmconform specs --json' prints it.
type specEntry struct {
	ID         string      `json:"id"`
	Area       string      `json:"area"`
	Capability string      `json:"capability"`
	Title      string      `json:"title"`
	Level      string      `json:"level"`
	Refs       []string    `json:"refs"`
	Fixtures   []string    `json:"fixtures"`
	Labels     []string    `json:"labels"`
	Faults     []specFault `json:"faults"`
	// Profiles are the Key Manager profiles that run the check (--km-profile); every other one reports it
	// not_supported.
	Profiles []string `json:"profiles"`
}

type specFault struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Cause string `json:"cause"`
	Doc   string `json:"doc"`
}

// selectChecks returns the checks a label filter selects (every check for ""); an invalid filter selects
// none (cellrun.Config.Validate reports why).
func selectChecks(filter string) []*checks.Check {
	lf, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil
	}
	var out []*checks.Check
	for _, c := range checks.All() {
		if lf(c.Labels()) {
			out = append(out, c)
		}
	}
	return out
}

// specsCommand lists the catalogue: each check with its area, capability, level, references and the
// faults that prove it can fail.
func specsCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kmconform specs", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the catalogue as a JSON array")
	filter := fs.String("label-filter", "", "list only the checks whose labels match")
	profile := fs.String("km-profile", "", "list only the checks a Key Manager profile runs: "+strings.Join(plan.ProfileNames(), ", "))
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	var only *plan.Profile
	if *profile != "" {
		p, err := plan.ProfileNamed(*profile)
		if err != nil {
			return usageError("%v", err)
		}
		only = p
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: see 'kmconform specs -h'", fs.Arg(0))
	}
	if _, err := types.ParseLabelFilter(*filter); err != nil {
		return usageError("--label-filter %q is not a valid label filter: see 'kmconform specs' for the labels", *filter)
	}
	var entries []specEntry
	for _, c := range selectChecks(*filter) {
		if only != nil && !only.Supports(c.Capability) {
			continue
		}
		e := specEntry{ID: c.ID, Area: c.Area, Capability: c.Capability, Title: c.Title, Level: string(c.Level),
			Refs: c.Refs, Fixtures: c.Fixtures, Labels: c.Labels(), Profiles: profilesOf(c.Capability)}
		if e.Fixtures == nil {
			e.Fixtures = []string{}
		}
		for _, p := range c.Faults {
			f, _ := faults.Lookup(p.Fault)
			e.Faults = append(e.Faults, specFault{Name: p.Fault, Kind: string(f.Kind), Cause: p.Cause, Doc: f.Doc})
		}
		entries = append(entries, e)
	}
	if *asJSON {
		if entries == nil {
			entries = []specEntry{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAREA\tCAPABILITY\tLEVEL\tPROFILES\tREFERENCES\tFAULTS")
	for _, e := range entries {
		var fl []string
		for _, f := range e.Faults {
			fl = append(fl, f.Kind+":"+f.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Area, e.Capability, e.Level, strings.Join(e.Profiles, ","),
			strings.Join(e.Refs, "; "), strings.Join(fl, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d checks. Select some with --label-filter, e.g. 'area:revocation', 'cap:issuer', 'id:grants.client_credentials', 'fault:no-jar'.\n", len(entries))
	fmt.Fprintf(stdout, "\nKey Manager profiles (--km-profile; a check a profile does not run is reported not_supported):\n")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, p := range plan.Profiles() {
		def := ""
		if p.Name == plan.DefaultProfile {
			def = " (default)"
		}
		fmt.Fprintf(tw, "  %s%s\t%s\ttype %s\ttargets %s\n", p.Name, def, p.Title, p.KMType, strings.Join(p.Targets, ","))
	}
	return tw.Flush()
}

// profilesOf lists the profiles that run a check of a capability.
func profilesOf(capability string) []string {
	var out []string
	for _, p := range plan.Profiles() {
		if p.Supports(capability) {
			out = append(out, p.Name)
		}
	}
	return out
}
