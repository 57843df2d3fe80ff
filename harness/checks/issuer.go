package checks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

func init() {
	register(issuerAgrees, issuerStable, issuerTokensVerify, issuerResidentDiffers, issuerUnique)
}

// OIDC Discovery 1.0 §4.3: the issuer in the discovery document is the token's iss. API-M picks the Key
// Manager of a JWT by iss, so the registered issuer must be that value too.
var issuerAgrees = &Check{
	ID: "issuer.agrees", Area: "issuer", Capability: "issuer", Level: MUST,
	Title: "IS discovery's issuer, the issuer registered for the Key Manager and the token's iss agree; the token verifies against IS's JWKS",
	Refs: []string{"OIDC Discovery 1.0 §4.3", "RFC 9068 §4", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Issuer)",
		"wso2/docs-apim#7758 (a documented issuer that matched no token)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"wrong-issuer", "is registered in API-M with issuer"},
		{"is-token-iss-mismatch", "is not the issuer IS publishes"},
		{"is-sign-with-unpublished-key", "no key in IS JWKS matches"},
	},
	Run: func(c *C) {
		e := c.Env
		published, registered := e.Discovery.Issuer, e.KeyManager.Issuer
		if registered != published {
			c.Failf("Key Manager %q is registered in API-M with issuer %q, but IS publishes issuer %q in its discovery document: API-M will not match IS's tokens to this Key Manager",
				e.KeyManager.Name, registered, published)
		}
		app := Shared(c, fixture.ISApp)
		tok := appToken(c, app)
		// tokens.Verify requires iss == published, which equals registered (asserted above).
		_, err := tokens.Verify(c.ctx, e.HTTP, e.Discovery.JWKSURI, tok, published)
		c.NoErr(err, "the IS token does not verify against IS's JWKS %s", e.Discovery.JWKSURI)
	},
}

// The issuer area beyond issuer.agrees: API-M's gateway picks the Key Manager of a JWT by its iss (the
// last registered Key Manager of an issuer wins), so IS's iss must be one stable value, IS's tokens must
// verify against IS's JWKS, and no other enabled Key Manager — the Resident one included — may claim it.

// issuerTokenCount is how many tokens issuer.stable mints: enough that an intermittent flip (one token in
// a few) shows, few enough to stay well under a second on the simulator.
const issuerTokenCount = 20

var issuerStable = &Check{
	ID: "issuer.stable", Area: "issuer", Capability: "issuer", Level: MUST,
	Title: "the iss of 20 IS tokens of client_credentials, password and refresh_token is one value, the discovery issuer registered for the Key Manager",
	Refs: []string{"RFC 9068 §2.2 (iss)", "OIDC Discovery 1.0 §4.3", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Issuer)",
		"wso2/product-is#26522 (iss flips between the tenanted and the plain issuer)", "wso2/docs-apim#7758"},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-token-iss-flips", "flips between"},
		{"is-token-iss-mismatch", "is not the issuer IS publishes"},
		{"wrong-issuer", "is registered in API-M with issuer"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		endpoint := e.Discovery.TokenEndpoint
		byIss := map[string][]string{} // iss → the grants of the tokens that carried it
		add := func(t *wso2is.Token, grant string) {
			_, claims, err := tokens.Peek(t.AccessToken)
			c.NoErr(err, "read the claims of a %s token", grant)
			iss, _ := claims["iss"].(string)
			byIss[iss] = append(byIss[iss], grant)
		}
		var refresh []string
		for i := 0; i < issuerTokenCount; i++ {
			switch {
			case i%3 == 0:
				t, err := e.IS.ClientCredentials(c.ctx, endpoint, cl.ClientID, cl.ClientSecret)
				c.NoErr(err, "get client_credentials token %d from IS", i+1)
				add(t, wso2is.GrantClientCredentials)
			case i%3 == 1 || len(refresh) == 0:
				t, err := e.IS.Password(c.ctx, endpoint, cl.Auth(), e.IS.AdminUser, e.IS.AdminPassword)
				c.NoErr(err, "get password token %d from IS", i+1)
				add(t, wso2is.GrantPassword)
				refresh = append(refresh, t.RefreshToken)
			default:
				rt := refresh[0]
				refresh = refresh[1:]
				t, err := e.IS.RefreshToken(c.ctx, endpoint, cl.Auth(), rt)
				c.NoErr(err, "refresh a token at IS (token %d)", i+1)
				add(t, wso2is.GrantRefreshToken)
			}
		}
		if len(byIss) > 1 {
			var parts []string
			for _, iss := range slices.Sorted(maps.Keys(byIss)) {
				parts = append(parts, fmt.Sprintf("%q in %d tokens (%s)", iss, len(byIss[iss]), issuerGrantCounts(byIss[iss])))
			}
			c.Failf("the iss of IS's tokens flips between %d values over %d tokens: %s. API-M matches a JWT to its Key Manager by iss, so every token whose iss is not %q is refused",
				len(byIss), issuerTokenCount, strings.Join(parts, "; "), e.KeyManager.Issuer)
		}
		var iss string
		for k := range byIss {
			iss = k
		}
		if iss != e.Discovery.Issuer {
			c.Failf("all %d tokens carry iss %q, which is not the issuer IS publishes in its discovery document (%q)", issuerTokenCount, iss, e.Discovery.Issuer)
		}
		if iss != e.KeyManager.Issuer {
			c.Failf("all %d tokens carry iss %q, but Key Manager %q is registered in API-M with issuer %q: the gateway matches none of IS's tokens to it",
				issuerTokenCount, iss, e.KeyManager.Name, e.KeyManager.Issuer)
		}
	},
}

var issuerTokensVerify = &Check{
	ID: "issuer.tokens-verify", Area: "issuer", Capability: "issuer", Level: MUST,
	Title: "IS tokens of client_credentials, password, refresh_token and authorization_code carry a kid that resolves in IS's JWKS and verify against it",
	Refs: []string{"RFC 7515 §4.1.4 (kid)", "RFC 9068 §4", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Certificate Type JWKS)",
		"API-M gateway: JWT validation by the Key Manager's JWKS"},
	Fixtures: []string{fixture.ISClient.Name},
	Faults: []Proof{
		{"is-sign-with-unpublished-key", "resolves to no key"},
		{"is-jwks-drops-kid", "resolves to no key"},
	},
	Run: func(c *C) {
		e := c.Env
		cl := Shared(c, fixture.ISClient)
		endpoint := e.Discovery.TokenEndpoint
		ks, err := e.IS.JWKS(c.ctx, e.Discovery.JWKSURI)
		c.NoErr(err, "read IS's JWKS")
		cc, err := e.IS.ClientCredentials(c.ctx, endpoint, cl.ClientID, cl.ClientSecret)
		c.NoErr(err, "get a client_credentials token from IS")
		pw, err := e.IS.Password(c.ctx, endpoint, cl.Auth(), e.IS.AdminUser, e.IS.AdminPassword)
		c.NoErr(err, "get a password token from IS")
		rt, err := e.IS.RefreshToken(c.ctx, endpoint, cl.Auth(), pw.RefreshToken)
		c.NoErr(err, "refresh the password token at IS")
		code, _, err := e.IS.AuthorizationCode(c.ctx, endpoint, cl.Auth(), wso2is.CodeRequest{
			// openid: the consent page of a plain OAuth2 request (oauth2_authz.do) is not one the headless
			// login knows.
			AuthorizeEndpoint: e.Discovery.AuthorizationEndpoint, RedirectURI: fixture.EndpointsRedirectURI, Scopes: []string{"openid"},
			Username: e.IS.AdminUser, Password: e.IS.AdminPassword,
		})
		c.NoErr(err, "get an authorization_code token from IS (headless login)")
		for _, t := range []struct {
			grant string
			tok   *wso2is.Token
		}{{"client_credentials", cc}, {"password", pw}, {"refresh_token", rt}, {"authorization_code", code}} {
			epExpectKidResolves(c, ks, t.tok.AccessToken, "a "+t.grant+" token")
		}
	},
}

var issuerResidentDiffers = &Check{
	ID: "issuer.resident-differs", Area: "issuer", Capability: "issuer", Level: MUST,
	Title: "the Resident Key Manager's issuer (registered and in its tokens) is neither IS's discovery issuer nor the IS Key Manager's registered issuer",
	Refs: []string{"API-M docs: Configure WSO2 IS 7 as a Key Manager (IS 7 needs its own hostname or port offset)",
		"carbon-apimgt OrganizationKeyManagerDto#getKeyManagerDtoByIssuer (the last Key Manager registered for an issuer wins)"},
	Fixtures: []string{fixture.ResidentApp.Name},
	Faults: []Proof{
		{"resident-issuer", "Resident Key Manager's issuer"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ResidentApp)
		token, err := e.APIM.ResidentToken(c.ctx, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a token from the Resident Key Manager")
		_, claims, err := tokens.Peek(token)
		c.NoErr(err, "read the Resident Key Manager token's claims")
		tokenIss, _ := claims["iss"].(string)
		resident := issuerKM(c, wso2am.ResidentKeyManager)
		// Positive control: the Resident token is a real Resident token (it verifies against API-M's own
		// JWKS, reached by API-M's network name as in mismatch.resident-token), so its iss is the issuer
		// the gateway maps to the Resident Key Manager.
		_, err = tokens.Verify(c.ctx, e.HTTP, plan.APIMBase+"/oauth2/jwks", token, tokenIss)
		c.NoErr(err, "the Resident Key Manager token does not verify against API-M's own JWKS")
		for _, r := range []struct{ what, iss string }{{"registered", resident.Issuer}, {"in its tokens", tokenIss}} {
			if r.iss == "" {
				continue
			}
			for _, o := range []struct{ what, iss string }{
				{"IS's discovery issuer", e.Discovery.Issuer},
				{fmt.Sprintf("the issuer Key Manager %q is registered with", e.KeyManager.Name), e.KeyManager.Issuer},
			} {
				if r.iss == o.iss {
					c.Failf("the Resident Key Manager's issuer (%s) %q is also %s: API-M picks a JWT's Key Manager by iss and the last registered wins, so the tokens of one of the two go to the other's validation (give IS its own hostname or port, as the documentation says)",
						r.what, r.iss, o.what)
				}
			}
		}
		if resident.Issuer == "" && tokenIss == "" {
			c.Failf("neither the Resident Key Manager's registration nor its token carries an issuer to compare")
		}
	},
}

var issuerUnique = &Check{
	ID: "issuer.unique", Area: "issuer", Capability: "issuer", Level: MUST,
	Title: "no two enabled Key Managers registered in API-M share an issuer (IS's included)",
	Refs: []string{"API-M docs: Key Manager selection by the token's issuer",
		"carbon-apimgt OrganizationKeyManagerDto#getKeyManagerDtoByIssuer (issuerNameMap: the last one registered wins)",
		"API-M admin REST API v4 /key-managers (issuer uniqueness is not checked on create)"},
	Faults: []Proof{
		{"duplicate-issuer-km", "share issuer"},
	},
	Run: func(c *C) {
		e := c.Env
		list, err := e.APIM.ListKeyManagers(c.ctx)
		c.NoErr(err, "list API-M's Key Managers")
		byIss := map[string][]string{}
		listed := false
		for _, info := range list {
			listed = listed || info.ID == e.KeyManager.ID
			if !info.Enabled {
				continue
			}
			km, err := e.APIM.GetKeyManager(c.ctx, info.ID)
			c.NoErr(err, "read Key Manager %s", info.Name)
			if km.Issuer != "" {
				byIss[km.Issuer] = append(byIss[km.Issuer], km.Name)
			}
		}
		// Positive control: the check sees IS's own registration with its issuer.
		if !listed || !slices.Contains(byIss[e.KeyManager.Issuer], e.KeyManager.Name) {
			c.Failf("API-M's Key Manager list (%d entries) does not show the enabled IS Key Manager %q with issuer %q", len(list), e.KeyManager.Name, e.KeyManager.Issuer)
		}
		var dup []string
		for iss, names := range byIss {
			if len(names) > 1 {
				sort.Strings(names)
				dup = append(dup, fmt.Sprintf("%s share issuer %q", strings.Join(names, " and "), iss))
			}
		}
		if len(dup) > 0 {
			sort.Strings(dup)
			c.Failf("enabled Key Managers %s: the gateway picks a JWT's Key Manager by iss and only the last registered wins, so which one validates those tokens (and which APIs accept them) depends on registration order — disable or delete the extra registration",
				strings.Join(dup, "; "))
		}
	},
}

// issuerKM reads a Key Manager by name.
func issuerKM(c *C, name string) *wso2am.KeyManager {
	info, ok := listed(c, name)
	if !ok {
		c.Failf("API-M lists no Key Manager named %q", name)
	}
	km, err := c.Env.APIM.GetKeyManager(c.ctx, info.ID)
	c.NoErr(err, "read Key Manager %s", name)
	return km
}

// issuerGrantCounts summarises grants as "client_credentials ×3, password ×2".
func issuerGrantCounts(grants []string) string {
	n := map[string]int{}
	for _, g := range grants {
		n[g]++
	}
	var out []string
	for _, g := range slices.Sorted(maps.Keys(n)) {
		out = append(out, fmt.Sprintf("%s ×%d", g, n[g]))
	}
	return strings.Join(out, ", ")
}
