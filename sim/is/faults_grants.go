package is

import "fmt"

// grantFaultWarnings are the start-up WARN lines of the grants faults whose behaviour change is a single
// condition at the place it applies (sim/faults/faults_grants.go lists what each changes).
var grantFaultWarnings = map[string]string{
	"is-pkce-not-verified":           "the authorization_code grant does not verify code_verifier against the PKCE challenge",
	"is-device-grant-refused":        "the device_code grant is refused with unauthorized_client for every application",
	"is-jwt-bearer-ignores-audience": "the jwt-bearer grant does not check the assertion's audience against the identity provider's alias",
	"is-saml-signature-not-verified": "the saml2-bearer grant does not verify the assertion's signature",
	"is-ntlm-grant-unregistered":     "the iwa:ntlm grant handler is not registered",
	"is-id-token-typed-at-jwt":       "ID tokens carry the header typ at+jwt",
	"is-dcr-refuses-token-exchange":  "client registration refuses the token-exchange grant type",
}

// startGrantFaults prepares the grants faults this server plays and logs each at start-up.
func (s *server) startGrantFaults() error {
	for name, what := range grantFaultWarnings {
		if s.faults.On(name) {
			s.log.Warn(logCore, "fault %s: %s", name, what)
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
