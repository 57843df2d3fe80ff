package plan

// Grants is the part of the documented setup the assertion and token-exchange grants need beyond the base
// setup: the identity provider IS trusts for jwt-bearer, saml2-bearer and token exchange, and the Key
// Manager through which API-M trusts IS's tokens for its own token-exchange grant.
type Grants struct {
	// IdPAlias registers the assertion identity provider with IS's token endpoint as its alias ("Token Endpoint
	// alias"), which IS requires among an assertion's audiences (identity-oauth2-grant-jwt
	// JWTBearerGrantHandler).
	IdPAlias bool
	// ExchangeTokenType is the tokenType of the Key Manager registered for API-M's token exchange: API-M
	// creates the trusted identity provider only for EXCHANGED or BOTH (API-M admin API, KeyManager.tokenType).
	ExchangeTokenType string
}

// DocumentedGrants is what the documentation asks for.
func DocumentedGrants() Grants {
	return Grants{IdPAlias: true, ExchangeTokenType: "EXCHANGED"}
}
