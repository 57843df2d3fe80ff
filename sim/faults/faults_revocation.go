package faults

func init() { register(revocationFaults...) }

// revocationFaults are the regressions the revocation checks (per token kind) must catch.
var revocationFaults = []Fault{
	{"is-no-renewal-event", "is", "IS sends no token_revocation event for the previous access token of a refresh_token grant (the interceptor before the fix of api-manager#2270)"},
	{"is-password-change-keeps-tokens", "is", "a user's password change does not revoke the user's tokens (no system revocation, no event)"},
	{"is-notify-on-refresh-revoke", "is", "revoking a refresh token alone sends a token_revocation event for its access token, which stays active at IS"},
	{"apim-notify-keeps-opaque-token", "apim", "API-M's revocation handler puts JWTs in the revoked map but does not evict a revoked opaque token from the gateway's key-validation cache"},
}
