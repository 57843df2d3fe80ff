package is

import (
	"github.com/kmconform/kmconform/sim/defaulthome"
	"github.com/kmconform/kmconform/sim/home"
)

// profile holds what differs between the IS versions kmsim plays.
type profile struct {
	version string
	// Default store files when deployment.toml names none (identity-server-7.md §2).
	keyStore, trustStore home.StoreSpec
	// x5tSHA1: 7.1.0+ put the SHA-1 thumbprint in the JWT x5t header, 7.0.0 the kid-style SHA-256 one (§4).
	x5tSHA1 bool
	// DCR request fields Jackson knows for POST and PUT (§7); anything else is "Unrecognized field".
	dcrFields, dcrUpdateFields map[string]bool
	// DCR response carries ext_application_version, token_endpoint_allow_reuse_pvt_key_jwt and
	// ext_allowed_audience from 7.1.0 (§7).
	dcrNewFields bool
	// dcrRefusesRegexpRedirect: 7.1.0+ refuse a redirect URI in API-M's regexp=(a|b) form (dcr_callbacks.go).
	dcrRefusesRegexpRedirect bool
}

// dcrCommon are the RegistrationRequestDTO fields of every version (§7).
var dcrCommon = []string{
	"redirect_uris", "client_name", "grant_types", "jwks_uri", "url", "ext_param_client_id",
	"ext_param_client_secret", "contacts", "post_logout_redirect_uris", "request_uris", "token_type_extension",
	"ext_token_type", "backchannel_logout_uri", "backchannel_logout_session_required", "ext_param_sp_template",
	"is_management_app", "ext_application_display_name", "ext_application_owner", "ext_application_token_lifetime",
	"ext_user_token_lifetime", "ext_refresh_token_lifetime", "ext_id_token_lifetime", "ext_pkce_mandatory",
	"ext_pkce_support_plain", "ext_public_client", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
	"sector_identifier_uri", "id_token_signed_response_alg", "id_token_encrypted_response_alg",
	"id_token_encrypted_response_enc", "request_object_signing_alg", "tls_client_auth_subject_dn",
	"require_pushed_authorization_requests", "require_signed_request_object",
	"tls_client_certificate_bound_access_tokens", "subject_type", "request_object_encryption_alg",
	"request_object_encryption_enc", "software_statement",
	// UNCONFIRMED (identity-server-7.md §7): the field list there omits client_id/client_secret, but the
	// 7.1.0 DCR OpenAPI lists them in the registration and update requests (API-M sends them on PUT);
	// chose to accept both in every version.
	"client_id", "client_secret",
}

func newProfile(version string) (*profile, error) {
	if err := defaulthome.CheckVersion("is", version); err != nil {
		return nil, err
	}
	p := &profile{version: version, dcrFields: map[string]bool{}}
	for _, f := range dcrCommon {
		p.dcrFields[f] = true
	}
	if version == "7.0.0" {
		p.keyStore = home.StoreSpec{File: "wso2carbon.jks", Type: "JKS", Password: "wso2carbon", Alias: "wso2carbon"}
		p.trustStore = home.StoreSpec{File: "client-truststore.jks", Type: "JKS", Password: "wso2carbon"}
		p.dcrFields["application_type"] = true
		p.dcrFields["response_types"] = true
	} else {
		p.keyStore = home.StoreSpec{File: "wso2carbon.p12", Type: "PKCS12", Password: "wso2carbon", Alias: "wso2carbon"}
		p.trustStore = home.StoreSpec{File: "client-truststore.p12", Type: "PKCS12", Password: "wso2carbon"}
		p.x5tSHA1 = true
		p.dcrNewFields = true
		p.dcrRefusesRegexpRedirect = true
		p.dcrFields["token_endpoint_allow_reuse_pvt_key_jwt"] = true
		p.dcrFields["ext_allowed_audience"] = true
	}
	p.dcrUpdateFields = map[string]bool{}
	for f := range p.dcrFields {
		p.dcrUpdateFields[f] = true
	}
	if p.dcrNewFields {
		// The 7.1.0 OpenAPI update request adds ext_application_version. UNCONFIRMED (§7): whether
		// 7.0.0's update request knows it; chose not.
		p.dcrUpdateFields["ext_application_version"] = true
	}
	return p, nil
}
