package faults

func init() { register(grantsFaults...) }

// grantsFaults are the regressions the grants checks guard against: one behaviour each, of IS's grant
// handlers or of API-M's token-exchange grant and the identity providers it trusts for it.
var grantsFaults = []Fault{
	// IS (Identity Server 7.x).
	{"is-pkce-not-verified", "is", "the authorization_code grant redeems a code issued with a PKCE challenge whatever code_verifier comes with it"},
	{"is-refresh-token-unverifiable", "is", "access tokens issued by the refresh_token grant are signed with a key the JWKS does not publish (other grants unchanged)"},
	{"is-device-grant-refused", "is", "the token endpoint refuses the device_code grant with unauthorized_client although the application has it"},
	{"is-jwt-bearer-ignores-audience", "is", "the jwt-bearer grant accepts an assertion none of whose audiences is the identity provider's alias"},
	{"is-saml-signature-not-verified", "is", "the saml2-bearer grant accepts an assertion without verifying its signature"},
	{"is-ntlm-grant-unregistered", "is", "the iwa:ntlm grant is not registered server-wide: unsupported_grant_type"},
	{"is-id-token-typed-at-jwt", "is", "ID tokens carry the access-token type header typ at+jwt"},
	{"is-dcr-refuses-token-exchange", "is", "client registration refuses grant_types that list urn:ietf:params:oauth:grant-type:token-exchange (400 invalid_client_metadata)"},

	// API-M (API Manager 4.x): the Resident Key Manager's token-exchange grant.
	{"apim-exchange-ignores-expiry", "apim", "the token-exchange grant accepts an expired subject token"},
	{"apim-exchange-skips-signature", "apim", "the token-exchange grant accepts a subject token without verifying its signature"},
	{"apim-exchange-ignores-app-grants", "apim", "the token-exchange grant is allowed for applications whose keys lack it"},
	{"apim-exchange-drops-subject", "apim", "the exchanged token's sub is the exchanging application's owner instead of the subject token's sub"},
	{"apim-exchange-keeps-deleted-idp", "apim", "deleting an EXCHANGED or BOTH Key Manager leaves its trusted identity provider in place"},
	{"apim-exchange-idp-not-updated", "apim", "updating an EXCHANGED or BOTH Key Manager does not update its trusted identity provider"},
	{"apim-accepts-malformed-idp-cert", "apim", "an EXCHANGED or BOTH Key Manager whose PEM certificate is not X.509 is stored with its identity provider instead of refused"},
}
