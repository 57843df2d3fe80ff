package is

import (
	"crypto/rand"
	"crypto/rsa"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/kmconform/kmconform/sim/faults"
)

// withGrantFault starts a 7.1.0 server playing one fault.
func withGrantFault(t *testing.T, name string) *sim {
	t.Helper()
	s := start(t, "7.1.0", newHome(t, "7.1.0", ""), Options{Faults: faults.Set{name: true}})
	if !strings.Contains(s.log.String(), "fault "+name) {
		t.Errorf("no start-up WARN line names fault %s:\n%s", name, s.log.String())
	}
	return s
}

// §4 PKCE: a wrong code_verifier fails "PKCE validation failed"; under is-pkce-not-verified the code is
// redeemed anyway, and a code without challenge still works as before.
func TestFaultPKCENotVerified(t *testing.T) {
	wrong := strings.Repeat("w", 43)
	challenge := url.Values{"code_challenge": {s256(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
	redeem := func(s *sim, id, secret string, verifier string) resp {
		return s.token(id, secret, url.Values{"grant_type": {"authorization_code"}, "code": {s.codeFor(id, challenge)},
			"redirect_uri": {cb}, "code_verifier": {verifier}})
	}
	plain := startDefault(t, "7.1.0")
	id, secret := plain.codeApp("pkce", nil)
	expectGrantErr(t, "wrong verifier", redeem(plain, id, secret, wrong), 400, "invalid_grant", "PKCE validation failed")

	s := withGrantFault(t, "is-pkce-not-verified")
	id, secret = s.codeApp("pkce", nil)
	if r := redeem(s, id, secret, wrong); r.status != 200 {
		t.Errorf("under the fault a wrong verifier: %d %s, want 200", r.status, r.body)
	}
	if r := s.token(id, secret, url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {cb}}); r.status != 400 {
		t.Errorf("the fault changed more than PKCE: unknown code %d", r.status)
	}
}

// §4 refresh_token: the renewed JWT is signed with a published key; under is-refresh-token-unverifiable
// only the refresh grant's tokens carry an unpublished kid.
func TestFaultRefreshTokenUnverifiable(t *testing.T) {
	for _, fault := range []bool{false, true} {
		s := startDefault(t, "7.1.0")
		if fault {
			s = withGrantFault(t, "is-refresh-token-unverifiable")
		}
		id, secret := s.app("rt", "JWT", "password", "refresh_token")
		first := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}}).json(t)
		renewed := s.token(id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}}).json(t)
		kids := jwksKids(t, s)
		firstKid := jwtPart(t, first["access_token"].(string), 0)["kid"].(string)
		renewedKid := jwtPart(t, renewed["access_token"].(string), 0)["kid"].(string)
		if !slices.Contains(kids, firstKid) {
			t.Errorf("fault=%v: the password token's kid is not published", fault)
		}
		if slices.Contains(kids, renewedKid) == fault {
			t.Errorf("fault=%v: renewed kid %s published=%v", fault, renewedKid, !fault)
		}
	}
}

// §4: an app with the device_code grant polls normally; under is-device-grant-refused the token endpoint
// answers unauthorized_client, and other grants are unchanged.
func TestFaultDeviceGrantRefused(t *testing.T) {
	poll := func(s *sim) resp {
		id, secret := s.app("dev", "", grantDeviceCode, "client_credentials")
		dc := s.form("/oauth2/device_authorize", url.Values{"client_id": {id}}, "").json(t)["device_code"].(string)
		if r := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}); r.status != 200 {
			t.Errorf("client_credentials: %d", r.status)
		}
		return s.token(id, secret, url.Values{"grant_type": {grantDeviceCode}, "device_code": {dc}})
	}
	expectGrantErr(t, "without the fault", poll(startDefault(t, "7.1.0")), 400, "authorization_pending", "Precondition required")
	expectGrantErr(t, "under the fault", poll(withGrantFault(t, "is-device-grant-refused")), 400, "unauthorized_client",
		"The authenticated client is not authorized to use this authorization grant type")
}

// §4 jwt-bearer: an assertion whose audiences miss the IdP alias is refused; under
// is-jwt-bearer-ignores-audience it is accepted (the signature is still checked).
func TestFaultJWTBearerIgnoresAudience(t *testing.T) {
	cert, _ := testSigner(t)
	grant := func(s *sim, claims jwt.MapClaims) resp {
		s.idpPost(map[string]any{"name": "ext", "alias": alias, "certificate": map[string]any{"certificates": []string{certB64(cert)}}})
		id, secret := s.app("jb", "JWT", grantJWTBearer)
		return s.token(id, secret, url.Values{"grant_type": {grantJWTBearer}, "assertion": {signJWT(t, claims)}})
	}
	elsewhere := fedClaims("ext")
	elsewhere["aud"] = []string{"urn:elsewhere"}
	expectGrantErr(t, "without the fault", grant(startDefault(t, "7.1.0"), elsewhere), 400, "invalid_grant",
		"None of the audience values matched the tokenEndpoint Alias "+alias)
	if r := grant(withGrantFault(t, "is-jwt-bearer-ignores-audience"), elsewhere); r.status != 200 {
		t.Errorf("under the fault: %d %s", r.status, r.body)
	}
}

// §4 saml2-bearer: an assertion signed by another key is refused; under is-saml-signature-not-verified
// it is accepted, while the alias and audience checks stay.
func TestFaultSAMLSignatureNotVerified(t *testing.T) {
	cert, _ := testSigner(t)
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	later := time.Now().Add(10 * time.Minute)
	n := 0
	grant := func(s *sim, a string) resp {
		n++
		s.idpPost(map[string]any{"name": "saml-idp", "alias": alias, "certificate": map[string]any{"certificates": []string{certB64(cert)}}})
		id, secret := s.app("sb"+string(rune('a'+n)), "", grantSAML2Bearer)
		return s.token(id, secret, url.Values{"grant_type": {grantSAML2Bearer}, "assertion": {a}})
	}
	expectGrantErr(t, "without the fault", grant(startDefault(t, "7.1.0"), samlAssertion(t, "saml-idp", alias, later, other)),
		400, "invalid_grant", "Error while validating the signature of the SAML assertion")
	s := withGrantFault(t, "is-saml-signature-not-verified")
	if r := grant(s, samlAssertion(t, "saml-idp", alias, later, other)); r.status != 200 {
		t.Errorf("under the fault: %d %s", r.status, r.body)
	}
	expectGrantErr(t, "audience still checked", grant(s, samlAssertion(t, "saml-idp", "urn:x", later, other)),
		400, "invalid_grant", "SAML Assertion Audience Restriction validation failed")
}

// §4 iwa:ntlm on Linux: the grant is registered (server error from Waffle); under
// is-ntlm-grant-unregistered it is unsupported_grant_type.
func TestFaultNTLMGrantUnregistered(t *testing.T) {
	ntlm := func(s *sim) resp {
		id, secret := s.app("ntlm", "", grantNTLM)
		return s.token(id, secret, url.Values{"grant_type": {grantNTLM}, "windows_token": {"TlRMTVNTUAABAAAA"}})
	}
	expectGrantErr(t, "without the fault", ntlm(startDefault(t, "7.1.0")), 500, "server_error", "Internal Server Error.")
	expectGrantErr(t, "under the fault", ntlm(withGrantFault(t, "is-ntlm-grant-unregistered")), 400, "unsupported_grant_type",
		"Unsupported grant type : iwa:ntlm, is used.")
}

// §4 (ID token header UNCONFIRMED, no typ): under is-id-token-typed-at-jwt the ID token carries typ at+jwt;
// the access token's header is unchanged.
func TestFaultIDTokenTypedAtJWT(t *testing.T) {
	for _, fault := range []bool{false, true} {
		s := startDefault(t, "7.1.0")
		if fault {
			s = withGrantFault(t, "is-id-token-typed-at-jwt")
		}
		id, secret := s.app("oidc", "JWT", "password")
		r := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"openid"}}).json(t)
		idTyp, _ := jwtPart(t, r["id_token"].(string), 0)["typ"].(string)
		if (idTyp == "at+jwt") != fault {
			t.Errorf("fault=%v: id_token typ %q", fault, idTyp)
		}
		if typ := jwtPart(t, r["access_token"].(string), 0)["typ"]; typ != "at+jwt" {
			t.Errorf("fault=%v: access token typ %v", fault, typ)
		}
	}
}

// §7 DCR: grant_types with token-exchange register; under is-dcr-refuses-token-exchange they are refused
// with 400 invalid_client_metadata while other grant sets still register.
func TestFaultDCRRefusesTokenExchange(t *testing.T) {
	body := map[string]any{"client_name": "tx", "grant_types": []string{"client_credentials", grantTokenExchange}}
	if r := startDefault(t, "7.1.0").adminJSON("POST", dcrPath, body); r.status != 201 {
		t.Fatalf("without the fault: %d %s", r.status, r.body)
	}
	s := withGrantFault(t, "is-dcr-refuses-token-exchange")
	r := s.adminJSON("POST", dcrPath, body)
	if r.status != 400 || r.json(t)["error"] != "invalid_client_metadata" || !strings.Contains(r.body, grantTokenExchange) {
		t.Errorf("under the fault: %d %s", r.status, r.body)
	}
	s.app("cc", "", "client_credentials")
}

// Every grants fault warned about at start-up is an IS fault of the registry, whose description the warning
// carries.
func TestGrantFaultWarningsRegistered(t *testing.T) {
	is := faults.Names("is")
	for _, name := range grantFaultWarnings {
		if !slices.Contains(is, name) || faults.Doc(name) == "" {
			t.Errorf("grant fault %s is not an IS fault of sim/faults", name)
		}
	}
}
