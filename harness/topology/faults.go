package topology

import (
	"fmt"
	"slices"
	"strings"
)

// Fault is a deliberate deviation from the documented setup. Faults exist so that kmconform's own tests
// can prove each conformance check fails when the setup it guards is broken; a product (or the simulator)
// is never told about them — it only sees the configuration they produce.
type Fault string

// The faults, each named after the mistake it reproduces.
const (
	// FaultWrongIssuer registers the Key Manager with IS's default issuer (localhost) instead of the one IS
	// publishes under its network name.
	FaultWrongIssuer Fault = "wrong-issuer"
	// FaultNoJAR leaves the notification handler JAR out of IS's dropins.
	FaultNoJAR Fault = "no-jar"
	// FaultNoEventListener leaves the token_revocation [[event_listener]] block out of IS's deployment.toml.
	FaultNoEventListener Fault = "no-event-listener"
	// FaultNoTrust leaves the run's CA out of API-M's client trust store, so API-M does not trust IS.
	FaultNoTrust Fault = "no-trust"
	// FaultOpenAPI publishes the API open to every Key Manager (["all"]) instead of restricting it to IS.
	FaultOpenAPI Fault = "open-api"
)

// AllFaults lists every fault.
var AllFaults = []Fault{FaultWrongIssuer, FaultNoJAR, FaultNoEventListener, FaultNoTrust, FaultOpenAPI}

// Faults is a set of faults.
type Faults map[Fault]bool

// ParseFaults reads a comma-separated list.
func ParseFaults(s string) (Faults, error) {
	f := Faults{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(AllFaults, Fault(name)) {
			names := make([]string, len(AllFaults))
			for i, a := range AllFaults {
				names[i] = string(a)
			}
			return nil, fmt.Errorf("unknown fault %q: known faults are %s", name, strings.Join(names, ", "))
		}
		f[Fault(name)] = true
	}
	return f, nil
}
