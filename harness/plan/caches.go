package plan

// PEMFromTLS is Plan.PEMCertificate for the TLS certificate IS serves (a setup mistake).
const PEMFromTLS = "tls"

// IntrospectionCacheTTL is the [apim.cache] token_expiry_time (seconds) the plan gives API-M: the value
// WSO2's own IS 7 validation-mode suite uses (product-apim integration-v2, configFiles/is7kmValidationModes),
// so that a revocation in introspection mode is enforced within seconds rather than API-M's default 900 s.
// SimIntrospectionCacheTTL is what simulator targets get instead, to keep kmconform's self-test fast.
const (
	IntrospectionCacheTTL    = 15
	SimIntrospectionCacheTTL = 2
)
