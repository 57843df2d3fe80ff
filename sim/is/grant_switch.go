package is

import "net/url"

// Grant types discovery lists (identity-server-7.md §3) that the simulator registers server-wide but
// cannot complete.
const (
	grantAccountSwitch      = "account_switch"
	grantOrganizationSwitch = "organization_switch"
)

// grantSwitch handles account_switch and organization_switch. Both are registered server-wide — the
// 7.1/7.2 discovery test lists them (§3) — so an app without them gets unauthorized_client and no grant of
// discovery's list is unsupported_grant_type (§4 error table).
// UNCONFIRMED (§3/§4 give neither grant's parameters nor errors): chose no validator-level required
// parameters and, for an app that has the grant, 400 invalid_grant "Invalid token received." for every
// request — the simulator models neither linked accounts nor sub-organizations, so no switch can succeed.
func grantSwitch(_ *server, _ *app, _ url.Values) (*grantResult, *oauthError) {
	return nil, &oauthError{status: 400, code: "invalid_grant", desc: "Invalid token received."}
}
