package faults

import "github.com/kmconform/kmconform/harness/plan"

func init() { register(grantsFaults...) }

// grantsFaults prove the grants checks can fail. Keep each Doc one sentence: 'kmconform specs' prints it.
var grantsFaults = []Fault{
	// Setup faults: mistakes in setting up the grants.
	{Name: "idp-without-alias", Kind: Setup,
		Doc:   "registers the identity provider of the jwt-bearer and saml2-bearer assertions in IS without the token endpoint alias IS requires",
		apply: func(p *plan.Plan) { p.Grants.IdPAlias = false }},
	{Name: "exchange-km-direct", Kind: Setup,
		Doc:   "registers the Key Manager meant for API-M's token exchange with tokenType DIRECT, so API-M creates no trusted identity provider for IS",
		apply: func(p *plan.Plan) { p.Grants.ExchangeTokenType = "DIRECT" }},
	{Name: "apim-token-exchange-disabled", Kind: Setup,
		Doc:   "turns API-M's token-exchange grant off server-wide ([oauth.grant_type.token_exchange] enable = false)",
		apply: func(p *plan.Plan) { p.APIM.TokenExchangeDisabled = true }},

	// Product faults of IS's grant handlers.
	{Name: "is-pkce-not-verified", Kind: Product, Product: "is",
		Doc: "IS redeems an authorization code issued with a PKCE challenge whatever code_verifier comes with it"},
	{Name: "is-refresh-token-unverifiable", Kind: Product, Product: "is",
		Doc: "IS signs the access tokens of the refresh_token grant with a key its JWKS does not publish"},
	{Name: "is-device-grant-refused", Kind: Product, Product: "is",
		Doc: "IS refuses the device_code grant with unauthorized_client although the application has it"},
	{Name: "is-jwt-bearer-ignores-audience", Kind: Product, Product: "is",
		Doc: "IS accepts a jwt-bearer assertion none of whose audiences is the identity provider's alias"},
	{Name: "is-saml-signature-not-verified", Kind: Product, Product: "is",
		Doc: "IS accepts a saml2-bearer assertion without verifying its signature"},
	{Name: "is-ntlm-grant-unregistered", Kind: Product, Product: "is",
		Doc: "IS does not register the iwa:ntlm grant server-wide (unsupported_grant_type)"},
	{Name: "is-id-token-typed-at-jwt", Kind: Product, Product: "is",
		Doc: "IS writes the access-token type header typ at+jwt into ID tokens"},
	{Name: "is-dcr-refuses-token-exchange", Kind: Product, Product: "is",
		Doc: "IS's client registration refuses grant_types that list the token-exchange grant"},

	// Product faults of API-M's token-exchange grant.
	{Name: "apim-exchange-ignores-expiry", Kind: Product, Product: "apim",
		Doc: "API-M's token-exchange grant accepts an expired subject token"},
	{Name: "apim-exchange-skips-signature", Kind: Product, Product: "apim",
		Doc: "API-M's token-exchange grant accepts a subject token without verifying its signature"},
	{Name: "apim-exchange-ignores-app-grants", Kind: Product, Product: "apim",
		Doc: "API-M's token-exchange grant is allowed for applications whose keys lack it"},
	{Name: "apim-exchange-drops-subject", Kind: Product, Product: "apim",
		Doc: "API-M's exchanged token carries the exchanging application's owner as sub instead of the subject token's"},
	{Name: "apim-exchange-keeps-deleted-idp", Kind: Product, Product: "apim",
		Doc: "API-M keeps the trusted identity provider of a deleted EXCHANGED or BOTH Key Manager"},
	{Name: "apim-exchange-idp-not-updated", Kind: Product, Product: "apim",
		Doc: "API-M does not update the trusted identity provider when an EXCHANGED or BOTH Key Manager is updated"},
	{Name: "apim-accepts-malformed-idp-cert", Kind: Product, Product: "apim",
		Doc: "API-M stores an EXCHANGED or BOTH Key Manager whose PEM certificate is not X.509 instead of refusing it"},
}
