package selftest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/harness/results"
	"github.com/kmconform/kmconform/harness/wso2is"
)

// The Key Manager profiles (--km-profile): oidc and asgardeo attached to a pair 'kmconform up' brought up on
// the simulator, obkm on the simulator itself. Each run's registration payload is read from the HTTP
// transcript, and every check the profile does not run must be in results.json as not_supported naming its
// capability.

// upProfile brings a simulator cell up for a profile and returns its credentials and CA files.
func upProfile(t *testing.T, profile string) (creds, ca string) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Cleanup(func() { kmconform(t, "down", "--all") })
	up := kmconform(t, "up", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--km-profile", profile)
	if up.exit != 0 {
		t.Fatalf("up --km-profile %s: exit %d; output:\n%s", profile, up.exit, up.output)
	}
	if !strings.Contains(up.output, "--km-profile "+profile) {
		t.Errorf("up does not say how to attach to the %s cell:\n%s", profile, up.output)
	}
	dir := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "kmconform", "up")
	name := cellName + "_" + profile
	return filepath.Join(dir, name+"-credentials.json"), filepath.Join(dir, name+"-ca.pem")
}

// attachProfile runs the attach target with a profile against the up cell.
func attachProfile(t *testing.T, profile, creds, ca string, extra ...string) result {
	t.Helper()
	return kmconform(t, append([]string{"run", "--target", "attach", "--km-profile", profile, "--is", "7.1.0", "--apim", "4.5.0",
		"--is-url", "https://wso2is:9443", "--credentials", creds, "--ca", ca}, extra...)...)
}

// expectProfileRun: the run passed; the checks in want passed; every other check is not_supported with
// the capability it lacks named (or not applicable without file access), never failed or missing.
func expectProfileRun(t *testing.T, r result, profile string, want map[string]bool) {
	t.Helper()
	if r.exit != 0 || r.results == nil {
		t.Fatalf("%s run: exit %d; output:\n%s", profile, r.exit, r.output)
	}
	if r.results.Profile != profile {
		t.Errorf("results.json names profile %q, want %s", r.results.Profile, profile)
	}
	if got, all := len(r.results.Specs), len(catalogue(t)); got != all {
		t.Errorf("results.json lists %d checks, the catalogue %d: none may be silently absent", got, all)
	}
	for _, s := range r.results.Specs {
		switch {
		case want[s.ID]:
			if s.Outcome != results.Passed {
				t.Errorf("%s: %s: %s", s.ID, s.Outcome, s.Message)
			}
		case s.Outcome == results.NotApplicable && strings.Contains(s.Message, "attach: deployment.toml not readable"):
		case s.Outcome == results.NotSupported:
			if !strings.Contains(s.Message, "capability "+s.Capability) {
				t.Errorf("%s is not_supported without naming its capability %s: %s", s.ID, s.Capability, s.Message)
			}
		default:
			t.Errorf("%s: %s (want not_supported with the capability named): %s", s.ID, s.Outcome, s.Message)
		}
	}
	assertNoSecrets(t, r)
}

// oidcChecks are the generic checks of an OpenID provider.
var oidcChecks = map[string]bool{"oidc.discovery": true, "oidc.token": true, "oidc.issuer": true, "oidc.signature": true,
	"oidc.introspection": true, "oidc.revocation": true, "oidc.gateway": true}

// registration is the body of the run's Key Manager registration, from the HTTP transcript.
func registration(t *testing.T, r result) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(r.report, "http-transcript.log"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)\[setup register-key-manager\] \S+ POST \S+/key-managers\n.*?\n\n(\{.*?\})\n===`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("the transcript holds no Key Manager registration")
	}
	var body map[string]any
	if err := json.Unmarshal(m[1], &body); err != nil {
		t.Fatalf("the registration body is not JSON: %v", err)
	}
	return body
}

// expectFields fails for each field of want the registration does not hold as given.
func expectFields(t *testing.T, what string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, got[k], v)
		}
	}
}

// oidc: a provider kmconform did not start, with an API-M (a Custom Key Manager, out of band, every value
// from the discovery document, the client registered by DCR and removed again) and without one (only the
// provider's own checks run; the gateway check says why not).
func TestOIDCProfileAttached(t *testing.T) {
	creds, ca := upProfile(t, "oidc")
	am, _ := apim(t, creds, ca)
	before := footprint(t, am)

	r := attachProfile(t, "oidc", creds, ca, "--apim-url", "https://wso2am:9443")
	expectProfileRun(t, r, "oidc", oidcChecks)
	km := registration(t, r)
	const is = "https://wso2is:9443"
	expectFields(t, "oidc registration", km, map[string]any{
		"type": "Custom", "issuer": is + "/oauth2/token", "wellKnownEndpoint": is + "/oauth2/token/.well-known/openid-configuration",
		"tokenEndpoint": is + "/oauth2/token", "revokeEndpoint": is + "/oauth2/revoke", "introspectionEndpoint": is + "/oauth2/introspect",
		"certificates":            map[string]any{"type": "JWKS", "value": is + "/oauth2/jwks"},
		"enableSelfValidationJWT": true, "enableOAuthAppCreation": false, "enableTokenGeneration": false, "enableMapOAuthConsumerApps": true,
		"consumerKeyClaim": "client_id",
	})
	transcript, _ := os.ReadFile(filepath.Join(r.report, "http-transcript.log"))
	for _, want := range []string{"[setup provider-client] ", "/api/identity/oauth2/dcr/v1.1/register", "/map-keys", "[cleanup client ", "[cleanup Key Manager kmconform-oidc]"} {
		if !strings.Contains(string(transcript), want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	if got := footprint(t, am); !reflect.DeepEqual(got, before) {
		t.Errorf("the oidc run left a trace in API-M:\nbefore %v\nafter  %v", before, got)
	}

	bare := attachProfile(t, "oidc", creds, ca)
	own := map[string]bool{}
	for id := range oidcChecks {
		own[id] = id != "oidc.gateway"
	}
	expectProfileRun(t, bare, "oidc", own)
	if s := bare.spec(t, "oidc.gateway"); !strings.Contains(s.Message, "no API-M: --apim-url was not given") {
		t.Errorf("oidc.gateway without an API-M: %s %s", s.Outcome, s.Message)
	}
	if strings.Contains(bare.output, "wso2am") {
		t.Errorf("a run without --apim-url reached API-M:\n%s", bare.output)
	}

	// A client of the credentials file instead of a registration.
	isc := &wso2is.Client{HTTP: am.HTTP, Base: "https://wso2is:9443", AdminUser: "admin", AdminPassword: "admin"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := isc.RegisterApp(ctx, wso2is.DCRRequest{ClientName: "selftest-oidc-client", GrantTypes: []string{"client_credentials"}, TokenTypeExtension: "JWT"})
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	raw, _ := os.ReadFile(creds)
	_ = json.Unmarshal(raw, &file)
	file["oidc"] = map[string]string{"clientId": cl.ClientID, "clientSecret": cl.ClientSecret}
	withClient := filepath.Join(t.TempDir(), "creds.json")
	raw, _ = json.Marshal(file)
	if err := os.WriteFile(withClient, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	given := attachProfile(t, "oidc", withClient, ca)
	expectProfileRun(t, given, "oidc", own)
	transcript, _ = os.ReadFile(filepath.Join(given.report, "http-transcript.log"))
	if regexp.MustCompile(`\[setup provider-client\] \S+ POST \S+/register`).Match(transcript) {
		t.Error("the run registered a client although the credentials file names one")
	}
	if !strings.Contains(given.output, "client "+cl.ClientID+" from the credentials file") {
		t.Errorf("the run does not say it took the client from the credentials file:\n%s", given.output)
	}
	assertNoneOf(t, given, []string{cl.ClientSecret})
}

// asgardeo: the simulator plays an organization; the attached run registers the Asgardeo connector with its
// documented fields and API-M creates the application's client through it.
func TestAsgardeoProfileAttached(t *testing.T) {
	creds, ca := upProfile(t, "asgardeo")
	var c struct {
		Asgardeo struct{ Organization, ClientID, ClientSecret string } `json:"asgardeo"`
	}
	if raw, err := os.ReadFile(creds); err != nil || json.Unmarshal(raw, &c) != nil || c.Asgardeo.ClientSecret == "" {
		t.Fatalf("the credentials file holds no Asgardeo management application: %v", err)
	}
	r := attachProfile(t, "asgardeo", creds, ca, "--apim-url", "https://wso2am:9443")
	expectProfileRun(t, r, "asgardeo", oidcChecks)
	org := "https://wso2is:9443/t/" + c.Asgardeo.Organization
	km := registration(t, r)
	expectFields(t, "asgardeo registration", km, map[string]any{
		"type": "Asgardeo", "issuer": org + "/oauth2/token", "wellKnownEndpoint": org + "/oauth2/token/.well-known/openid-configuration",
		"clientRegistrationEndpoint": org + "/api/identity/oauth2/dcr/v1.1/register", "scopeManagementEndpoint": "none",
		"certificates": map[string]any{"type": "JWKS", "value": org + "/oauth2/jwks"}, "enableSelfValidationJWT": true,
	})
	props, _ := km["additionalProperties"].(map[string]any)
	expectFields(t, "asgardeo connector fields", props, map[string]any{
		"org_name": c.Asgardeo.Organization, "mgmt_client_id": c.Asgardeo.ClientID, "mgmt_client_secret": "*****",
		"APIM_GLOBAL_SCOPES": "APIM_GLOBAL_SCOPES", "asgardeo_api_resource_management_endpoint": org + "/api/server/v1/api-resources",
		"asgardeo_roles_endpoint": org + "/scim2/v2/Roles",
	})
	assertNoneOf(t, r, []string{c.Asgardeo.ClientSecret})
	transcript, _ := os.ReadFile(filepath.Join(r.report, "http-transcript.log"))
	if !strings.Contains(string(transcript), "/generate-keys") {
		t.Error("the application's keys were not generated through the Asgardeo connector")
	}
	if bad := kmconform(t, "run", "--target", "sim", "--is", "7.1.0", "--apim", "4.5.0", "--km-profile", "asgardeo"); bad.exit != 2 ||
		!strings.Contains(bad.output, "Asgardeo is a SaaS: attach to it with --target attach") {
		t.Errorf("asgardeo on a started pair: exit %d; output:\n%s", bad.exit, bad.output)
	}
}

// obkm: on the simulator, the ObKeyManager registration of the Open Banking docs, then the Resident Key
// Manager disabled.
func TestOBKMProfileOnTheSimulator(t *testing.T) {
	r := simRun(t, "--km-profile", "obkm")
	want := map[string]bool{"grants.client_credentials": true, "revocation.jwt.gateway": true, "revocation.latency": true}
	for id := range oidcChecks {
		want[id] = true
	}
	expectProfileRun(t, r, "obkm", want)
	const is = "https://wso2is:9443"
	km := registration(t, r)
	expectFields(t, "obkm registration", km, map[string]any{
		"type": "ObKeyManager", "issuer": is + "/oauth2/token", "wellKnownEndpoint": is + "/oauth2/token/.well-known/openid-configuration",
		"clientRegistrationEndpoint": is + "/keymanager-operations/dcr/register", "userInfoEndpoint": is + "/oauth2/userinfo?schema=openid",
		"introspectionEndpoint": is + "/oauth2/introspect", "revokeEndpoint": is + "/oauth2/revoke",
		"scopeManagementEndpoint": is + "/api/identity/oauth2/v1.0/scopes", "enableSelfValidationJWT": true,
		"claimMapping":        []any{map[string]any{"remoteClaim": "http://idp.org/username", "localClaim": "http://wso2.org/username"}},
		"availableGrantTypes": []any{"client_credentials", "authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
	})
	tv, _ := km["tokenValidation"].([]any)
	if len(tv) == 0 || tv[0].(map[string]any)["type"] != "JWT" || tv[0].(map[string]any)["enable"] != true {
		t.Errorf("obkm tokenValidation = %v, want the JWT option enabled first", tv)
	}
	props, _ := km["additionalProperties"].(map[string]any)
	if props["Username"] == nil || props["Password"] != "*****" {
		t.Errorf("obkm connector fields = %v, want Username and a masked Password", props)
	}
	transcript, _ := os.ReadFile(filepath.Join(r.report, "http-transcript.log"))
	if !regexp.MustCompile(`(?s)\[setup disable-resident-km\] \S+ PUT \S+/key-managers/\S+\n.*?"enabled":false`).Match(transcript) {
		t.Error("the setup did not disable the Resident Key Manager")
	}
}

// --km-profile in a matrix: each cell gets the profile's own expectations (the Custom type is documented
// from API-M 4.5).
func TestMatrixWithProfile(t *testing.T) {
	reports := t.TempDir()
	r := kmconform(t, "matrix", "--target", "sim", "--is", "7.1.0", "--apim", "4.4.0,4.5.0", "--km-profile", "oidc",
		"--label-filter", "area:oidc", "--reports", reports, "--quiet")
	if r.exit != 0 {
		t.Fatalf("matrix --km-profile oidc: exit %d; output:\n%s", r.exit, r.output)
	}
	old, err := results.Read(filepath.Join(reports, "is-7.1.0_apim-4.4.0_oidc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range old.Specs {
		if s.ID == "oidc.gateway" && (s.Outcome != results.NotSupported || s.Link == "" || !strings.Contains(s.Message, "Custom Key Manager type")) {
			t.Errorf("oidc.gateway on API-M 4.4.0: %s %s (%s), want not_supported with the profile's reason and link", s.Outcome, s.Message, s.Link)
		}
	}
	cur, err := results.Read(filepath.Join(reports, "is-7.1.0_apim-4.5.0_oidc"))
	if err != nil {
		t.Fatal(err)
	}
	if n := cur.Count(results.Passed); n != len(oidcChecks) {
		t.Errorf("API-M 4.5.0: %d oidc checks passed, want %d", n, len(oidcChecks))
	}
}
