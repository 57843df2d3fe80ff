package is

import (
	"fmt"

	"github.com/kmconform/kmconform/sim/faults"
)

// grantFaultWarnings are the grants faults whose behaviour change is a single condition at the place it
// applies, each logged at start-up when played with the registry's description of what it changes
// (sim/faults/faults_grants.go).
var grantFaultWarnings = []string{
	"is-pkce-not-verified",
	"is-device-grant-refused",
	"is-jwt-bearer-ignores-audience",
	"is-saml-signature-not-verified",
	"is-ntlm-grant-unregistered",
	"is-id-token-typed-at-jwt",
	"is-dcr-refuses-token-exchange",
}

// startGrantFaults prepares the grants faults this server plays and logs each at start-up.
func (s *server) startGrantFaults() error {
	for _, name := range grantFaultWarnings {
		if s.faults.On(name) {
			s.log.Warn(logCore, "fault %s: %s", name, faults.Doc(name))
		}
	}
	if s.faults.On("is-refresh-token-unverifiable") {
		k, err := newRogueKey()
		if err != nil {
			return fmt.Errorf("fault is-refresh-token-unverifiable: %w", err)
		}
		s.refreshRogue = k
		s.log.Warn(logCore, "fault is-refresh-token-unverifiable: access tokens of the refresh_token grant are signed with key %s, which the JWKS does not publish", k.kid)
	}
	return nil
}
