package apim

import (
	"archive/zip"
	"context"
	"fmt"
	"path/filepath"
)

// The Key Manager connectors beyond the product's own (default, WSO2-IS, WSO2-IS-7): each is a JAR an
// administrator copies into repository/components/dropins, as its documentation says, and API-M knows its
// type only then (an unknown type is 400 901400). The simulator recognises a connector by the class its
// KeyManagerConnectorConfiguration lives in (sim/CONTRACT.md); the type "Custom" of out-of-band
// provisioning needs no JAR.
const (
	typeCustom   = "Custom"
	typeAsgardeo = "Asgardeo"
	typeOBKM     = "ObKeyManager"
)

// dropinConnectors maps a connector's class entry to its type.
var dropinConnectors = map[string]string{
	// wso2-extensions/apim-km-asgardeo v1.0.0 (AsgardeoConnectorConfiguration, getType "Asgardeo").
	"org/wso2/asgardeo/client/AsgardeoConnectorConfiguration.class": typeAsgardeo,
	// The Open Banking accelerator's Key Manager (type ObKeyManager, WSO2 Open Banking docs "Configure IS as
	// Key Manager"). UNCONFIRMED: the class name; its package is the accelerator's keymanager package.
	"com/wso2/openbanking/accelerator/keymanager/OBKeyManagerConfiguration.class": typeOBKM,
}

// scanConnectors lists the connector types the JARs in dropins install, and logs each.
func (s *Server) scanConnectors() map[string]bool {
	out := map[string]bool{}
	dir := s.home.Path("repository/components/dropins")
	jars, _ := filepath.Glob(filepath.Join(dir, "*.jar"))
	for _, jar := range jars {
		zr, err := zip.OpenReader(jar)
		if err != nil {
			continue
		}
		for _, f := range zr.File {
			if t, ok := dropinConnectors[f.Name]; ok {
				out[t] = true
				// UNCONFIRMED (the references give no line for it): chose one INFO line naming type and JAR.
				s.log.Info("org.wso2.carbon.apimgt.impl.internal.APIManagerComponent", "Key Manager connector %s registered from %s", t, filepath.Base(jar))
			}
		}
		zr.Close()
	}
	return out
}

// kmTypes are the Key Manager types this node knows.
func (s *Server) kmTypes() []string {
	out := []string{typeDefault, typeIS, typeIS7}
	if s.ver >= 5 {
		// UNCONFIRMED: the out-of-band Custom type is documented from API-M 4.5 (configure-custom-km-out-of-band);
		// chose to know it from 4.5.
		out = append(out, typeCustom)
	}
	for _, t := range []string{typeAsgardeo, typeOBKM} {
		if s.connectors[t] {
			out = append(out, t)
		}
	}
	return out
}

func (s *Server) knowsType(t string) bool {
	for _, k := range s.kmTypes() {
		if k == t {
			return true
		}
	}
	return false
}

// otherConnectorFields are the connection configurations of the connectors above (nil: not a connector of
// this file). Asgardeo: AsgardeoConnectorConfiguration.getConnectionConfigurations (v1.0.0); ObKeyManager:
// Username and Password, as the Open Banking docs list them (UNCONFIRMED: required, Password masked, as
// the accelerator's successor fsKeyManager declares them).
func otherConnectorFields(kmType string) []connField {
	switch kmType {
	case typeCustom:
		return []connField{}
	case typeAsgardeo:
		return []connField{
			{name: "org_name", label: "Organization Name", kind: "input", required: true},
			{name: "mgmt_client_id", label: "Client ID", kind: "input", required: true},
			{name: "mgmt_client_secret", label: "Client Secret", kind: "input", required: true, mask: true},
			{name: "APIM_GLOBAL_SCOPES", label: "Global scopes API resource name", kind: "input", required: true},
			{name: "asgardeo_api_resource_management_endpoint", label: "Asgardeo API resource management endpoint", kind: "input", required: true},
			{name: "asgardeo_roles_endpoint", label: "Asgardeo roles endpoint", kind: "input", required: true},
			{name: "asgardeo_role_creation", label: "Create roles in Asgardeo", kind: "checkbox", values: []string{"Enable"}},
		}
	case typeOBKM:
		return []connField{
			{name: "Username", label: "Username", kind: "input", required: true},
			{name: "Password", label: "Password", kind: "input", required: true, mask: true},
		}
	}
	return nil
}

// asgardeoManagementScopes are the scopes the connector asks its management application's token for
// (AsgardeoConstants.MANAGEMENT_SCOPES, v1.0.0).
const asgardeoManagementScopes = "internal_dcr_create internal_dcr_view internal_dcr_update internal_dcr_delete " +
	"internal_api_resource_create internal_api_resource_view internal_api_resource_update internal_api_resource_delete " +
	"internal_role_mgt_view internal_role_mgt_create internal_role_mgt_update internal_role_mgt_delete"

// mgmtToken is the Asgardeo connector's management token: client_credentials at the organization's token
// endpoint with the management application's Basic credentials. The connector caches it until 10 s before
// it expires; the simulator asks for one per call (UNCONFIRMED as to caching, which no check observes).
func (s *Server) mgmtToken(ctx context.Context, t dcrTarget) (string, error) {
	tr, err := s.clientCredentialsToken(ctx, t.tokenURL, t.user, t.password, asgardeoManagementScopes)
	if err != nil {
		return "", fmt.Errorf("get the management application's token: %w", err)
	}
	tok, _ := tr["access_token"].(string)
	if tok == "" {
		return "", fmt.Errorf("the management application's token answer has no access_token")
	}
	return tok, nil
}

// dcrClientName is the OAuth client name a connector registers for an application's keys:
// <owner>_<application UUID>_<key type>, or asgardeoClientName's for an Asgardeo Key Manager.
func dcrClientName(kmType, owner, appName, appID, keyType string) string {
	if kmType == typeAsgardeo {
		return asgardeoClientName(owner, appName, appID, keyType)
	}
	return fmt.Sprintf("%s_%s_%s", owner, appID, keyType)
}

// asgardeoClientName is AsgardeoOAuthClient.getClientInfo's client name: <user>_<application name>_<first 7
// characters of the application UUID>_<key type>.
func asgardeoClientName(owner, appName, appID, keyType string) string {
	if owner == "" {
		owner = "apim"
	}
	id := appID
	if len(id) > 7 {
		id = id[:7]
	}
	return owner + "_" + appName + "_" + id + "_" + keyType
}

// asgardeoDCRBody is AsgardeoDCRClientInfo as Gson writes it: null Longs left out, the primitive lifetimes
// and flags always present, token_type_extension JWT (setTokenTypeAsJWT).
func asgardeoDCRBody(in dcrInput) map[string]any {
	return dcrCommonBody(in, true)
}
