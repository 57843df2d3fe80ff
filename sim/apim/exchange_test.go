package apim

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/faults"
	"github.com/kmconform/kmconform/sim/home"
	"github.com/kmconform/kmconform/sim/simnet"
)

const exchangeTOML = defaultTOML + `
[oauth.grant_type.token_exchange]
enable = true
allow_refresh_tokens = true
iat_validity_period = "1h"
`

// exchangeRig is an API-M with the token-exchange grant, a fake IS and two Resident applications: one
// whose keys have the grant, one whose keys lack it.
type exchangeRig struct {
	sm                 *sim
	is                 *fakeIS
	key, secret        string // Resident client with token-exchange
	noKey, noSecret    string // Resident client without it
	subjectClient      string // the IS client whose token is exchanged (its aud, the IdP alias)
	residentIssuer     string
	exchangeGrantTypes []string
}

func newExchangeRig(t *testing.T, toml string, fs ...string) *exchangeRig {
	t.Helper()
	is, hosts := newFakeIS(t, isCert)
	set := faults.Set{}
	for _, f := range fs {
		set[f] = true
	}
	sm := newSimWith(t, "4.5.0", writeHome(t, toml, isCert), hosts, set)
	rig := &exchangeRig{sm: sm, is: is, subjectClient: "is-subject-client", residentIssuer: sm.s.residentIssuer()}
	rig.key, rig.secret = rig.residentApp("tx", []string{"client_credentials", grantTokenExchange})
	rig.noKey, rig.noSecret = rig.residentApp("no-tx", []string{"client_credentials"})
	return rig
}

// newSimWith is newSim over a prepared home, playing faults.
func newSimWith(t *testing.T, ver string, h *home.Home, hosts simnet.Hosts, set faults.Set) *sim {
	t.Helper()
	buf := &syncBuffer{}
	s, err := New(h, Options{Version: ver, Hosts: hosts, Log: carbonlog.To(buf), Faults: set})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now()}
	s.now = clock.Now
	sm := &sim{t: t, s: s, servlet: httptest.NewServer(s.Servlet()), gw: httptest.NewServer(s.Gateway()), logBuf: buf, clock: clock}
	t.Cleanup(sm.servlet.Close)
	t.Cleanup(sm.gw.Close)
	return sm
}

func (r *exchangeRig) residentApp(name string, grants []string) (string, string) {
	t := r.sm.t
	t.Helper()
	app := call(t, "POST", r.sm.dev("/applications"), map[string]any{"name": name, "throttlingPolicy": "Unlimited"})
	expect(t, app, http.StatusCreated)
	k := call(t, "POST", r.sm.dev("/applications/"+str(app.json(t)["applicationId"])+"/generate-keys"),
		map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": grants})
	expect(t, k, http.StatusOK)
	m := k.json(t)
	return str(m["consumerKey"]), str(m["consumerSecret"])
}

// exchangeKM is the fake IS registered as an EXCHANGED (or other tokenType) Key Manager whose alias is
// the subject client.
func (r *exchangeRig) exchangeKM(name, tokenType string, edit func(map[string]any)) map[string]any {
	km := r.is.is7KM(name)
	km["tokenType"] = tokenType
	km["alias"] = r.subjectClient
	if edit != nil {
		edit(km)
	}
	return km
}

// subject is an IS client_credentials JWT of the subject client: sub = aud = the client id.
func (r *exchangeRig) subject(t *testing.T, exp time.Time) string {
	now := r.sm.clock.Now()
	return r.is.token(t, claims{"iss": r.is.base + "/oauth2/token", "sub": r.subjectClient, "aud": r.subjectClient,
		"azp": r.subjectClient, "iat": now.Unix(), "exp": exp.Unix(), "jti": "j-" + now.String()})
}

func (r *exchangeRig) exchange(t *testing.T, key, secret string, form url.Values) resp {
	t.Helper()
	req, _ := http.NewRequest("POST", r.sm.servlet.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(key, secret)
	return send(t, req)
}

func exchangeForm(subject string) url.Values {
	return url.Values{"grant_type": {grantTokenExchange}, "subject_token": {subject}, "subject_token_type": {tokenTypeJWT}}
}

func expectOAuthError(t *testing.T, what string, r resp, status int, code, desc string) {
	t.Helper()
	var body map[string]string
	_ = json.Unmarshal(r.raw, &body)
	if r.status != status || body["error"] != code || body["error_description"] != desc {
		t.Errorf("%s: %d %s, want %d %s %q", what, r.status, r.raw, status, code, desc)
	}
}

func pemValue(t *testing.T) string {
	t.Helper()
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: isCert.Raw}))
}

// TestTokenExchangeGrant: the Resident Key Manager's token-exchange grant trusts IS only through an
// EXCHANGED Key Manager (its identity provider: idpIssuerName = issuer, alias, JWKS or PEM), validates the
// subject token (identity-server-7.md §4) and issues an at+jwt API-M token for the subject's sub.
func TestTokenExchangeGrant(t *testing.T) {
	rig := newExchangeRig(t, exchangeTOML)
	sm := rig.sm
	later := sm.clock.Now().Add(time.Hour)
	subject := rig.subject(t, later)
	expectOAuthError(t, "before any EXCHANGED Key Manager", rig.exchange(t, rig.key, rig.secret, exchangeForm(subject)), 400,
		"invalid_request", "No registered identity provider found for the JWT with issuer name : "+rig.is.base+"/oauth2/token")

	kmID := sm.createKM(rig.exchangeKM("tx-km", "EXCHANGED", nil))
	ok := rig.exchange(t, rig.key, rig.secret, exchangeForm(subject))
	expect(t, ok, http.StatusOK)
	body := ok.json(t)
	if body["issued_token_type"] != tokenTypeJWT || body["token_type"] != "Bearer" {
		t.Errorf("answer %s", ok.raw)
	}
	p, err := parseJWT(str(body["access_token"]))
	if err != nil {
		t.Fatal(err)
	}
	if p.header["typ"] != "at+jwt" || p.claims.str("sub") != rig.subjectClient || p.claims.str("azp") != rig.key ||
		p.claims.str("iss") != rig.residentIssuer {
		t.Errorf("exchanged token header %v claims %v", p.header, p.claims)
	}
	if _, err := sm.s.verifyResidentJWT(str(body["access_token"])); err != nil {
		t.Errorf("the exchanged token does not verify as a Resident token: %v", err)
	}

	expectOAuthError(t, "no subject_token", rig.exchange(t, rig.key, rig.secret, url.Values{"grant_type": {grantTokenExchange},
		"subject_token_type": {tokenTypeJWT}}), 400, "invalid_request", "Missing parameters: subject_token")
	expectOAuthError(t, "grantless app", rig.exchange(t, rig.noKey, rig.noSecret, exchangeForm(subject)), 400,
		"unauthorized_client", "The authenticated client is not authorized to use this authorization grant type")
	parts := strings.Split(subject, ".")
	altered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+rig.is.base+`/oauth2/token","sub":"eve","aud":"`+
		rig.subjectClient+`","exp":`+jsonNumber(later.Unix())+`}`)) + "." + parts[2]
	expectOAuthError(t, "altered", rig.exchange(t, rig.key, rig.secret, exchangeForm(altered)), 400,
		"invalid_request", "Signature or Message Authentication invalid")
	elsewhere := rig.is.token(t, claims{"iss": rig.is.base + "/oauth2/token", "sub": "x", "aud": "someone-else", "exp": later.Unix()})
	expectOAuthError(t, "audience", rig.exchange(t, rig.key, rig.secret, exchangeForm(elsewhere)), 400,
		"invalid_target", "Invalid audience values provided")
	short := rig.subject(t, sm.clock.Now().Add(time.Second))
	expect(t, rig.exchange(t, rig.key, rig.secret, exchangeForm(short)), http.StatusOK)
	sm.clock.Advance(2 * time.Second)
	expectOAuthError(t, "expired", rig.exchange(t, rig.key, rig.secret, exchangeForm(short)), 400,
		"invalid_request", "JSON Web Token is expired.")

	// A change to DIRECT deletes the identity provider; back to EXCHANGED adds one; deleting the KM deletes it.
	update := func(tokenType string) {
		km := rig.exchangeKM("tx-km", tokenType, nil)
		expect(t, call(t, "PUT", sm.admin("/key-managers/"+kmID), km), http.StatusOK)
	}
	untrusted := "No registered identity provider found for the JWT with issuer name : " + rig.is.base + "/oauth2/token"
	update("DIRECT")
	expectOAuthError(t, "after DIRECT", rig.exchange(t, rig.key, rig.secret, exchangeForm(subject)), 400, "invalid_request", untrusted)
	update("EXCHANGED")
	expect(t, rig.exchange(t, rig.key, rig.secret, exchangeForm(subject)), http.StatusOK)
	expect(t, call(t, "DELETE", sm.admin("/key-managers/"+kmID), nil), http.StatusOK)
	expectOAuthError(t, "after delete", rig.exchange(t, rig.key, rig.secret, exchangeForm(subject)), 400, "invalid_request", untrusted)
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// A PEM-trusted EXCHANGED Key Manager: the IS signing certificate verifies, a stale one does not, an update
// replaces it; a value that is not X.509 is refused at registration with 400/900611 and nothing is stored.
func TestTokenExchangePEM(t *testing.T) {
	rig := newExchangeRig(t, exchangeTOML)
	sm := rig.sm
	subject := rig.subject(t, sm.clock.Now().Add(time.Hour))
	stale := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: apimCert.Raw}))
	withPEM := func(v string) func(map[string]any) {
		return func(km map[string]any) { km["certificates"] = map[string]any{"type": "PEM", "value": v} }
	}
	id := sm.createKM(rig.exchangeKM("pem-km", "EXCHANGED", withPEM(stale)))
	expectOAuthError(t, "stale PEM", rig.exchange(t, rig.key, rig.secret, exchangeForm(subject)), 400,
		"invalid_request", "Signature or Message Authentication invalid")
	expect(t, call(t, "PUT", sm.admin("/key-managers/"+id), rig.exchangeKM("pem-km", "EXCHANGED", withPEM(pemValue(t)))), http.StatusOK)
	expect(t, rig.exchange(t, rig.key, rig.secret, exchangeForm(subject)), http.StatusOK)

	bad := call(t, "POST", sm.admin("/key-managers"), rig.exchangeKM("bad-cert", "EXCHANGED",
		withPEM(base64.StdEncoding.EncodeToString([]byte("this-is-not-an-x509-certificate")))))
	expect(t, bad, http.StatusBadRequest)
	if m := bad.json(t); m["code"] != float64(900611) {
		t.Errorf("malformed certificate: %s", bad.raw)
	}
	list := call(t, "GET", sm.admin("/key-managers"), nil)
	if strings.Contains(string(list.raw), "bad-cert") {
		t.Errorf("a refused Key Manager was stored: %s", list.raw)
	}
}

// [oauth.grant_type.token_exchange] enable = false (or absent): the grant is unknown to the token endpoint.
func TestTokenExchangeDisabled(t *testing.T) {
	rig := newExchangeRig(t, defaultTOML)
	expectOAuthError(t, "disabled", rig.exchange(t, rig.key, rig.secret, exchangeForm("a.b.c")), 400,
		"unsupported_grant_type", "Unsupported grant_type value")
}

// Each token-exchange fault changes one behaviour; TestTokenExchangeGrant is the run without them.
func TestTokenExchangeFaults(t *testing.T) {
	type step func(t *testing.T, rig *exchangeRig) resp
	cases := []struct {
		fault string
		setup func(rig *exchangeRig) // before the exchange
		run   step
		check func(t *testing.T, r resp, rig *exchangeRig)
	}{
		{"apim-exchange-ignores-expiry", nil, func(t *testing.T, rig *exchangeRig) resp {
			short := rig.subject(t, rig.sm.clock.Now().Add(time.Second))
			rig.sm.clock.Advance(time.Minute)
			return rig.exchange(t, rig.key, rig.secret, exchangeForm(short))
		}, func(t *testing.T, r resp, _ *exchangeRig) { expect(t, r, http.StatusOK) }},
		{"apim-exchange-skips-signature", nil, func(t *testing.T, rig *exchangeRig) resp {
			parts := strings.Split(rig.subject(t, rig.sm.clock.Now().Add(time.Hour)), ".")
			return rig.exchange(t, rig.key, rig.secret, exchangeForm(parts[0]+"."+parts[1]+".AAAA"))
		}, func(t *testing.T, r resp, _ *exchangeRig) { expect(t, r, http.StatusOK) }},
		{"apim-exchange-ignores-app-grants", nil, func(t *testing.T, rig *exchangeRig) resp {
			return rig.exchange(t, rig.noKey, rig.noSecret, exchangeForm(rig.subject(t, rig.sm.clock.Now().Add(time.Hour))))
		}, func(t *testing.T, r resp, _ *exchangeRig) { expect(t, r, http.StatusOK) }},
		{"apim-exchange-drops-subject", nil, func(t *testing.T, rig *exchangeRig) resp {
			return rig.exchange(t, rig.key, rig.secret, exchangeForm(rig.subject(t, rig.sm.clock.Now().Add(time.Hour))))
		}, func(t *testing.T, r resp, rig *exchangeRig) {
			expect(t, r, http.StatusOK)
			p, _ := parseJWT(str(r.json(t)["access_token"]))
			if p.claims.str("sub") != "admin" {
				t.Errorf("sub %q, want the application owner", p.claims.str("sub"))
			}
		}},
		{"apim-exchange-keeps-deleted-idp", func(rig *exchangeRig) {
			expect(rig.sm.t, call(rig.sm.t, "DELETE", rig.sm.admin("/key-managers/"+rig.sm.kmID("tx-km")), nil), http.StatusOK)
		}, func(t *testing.T, rig *exchangeRig) resp {
			return rig.exchange(t, rig.key, rig.secret, exchangeForm(rig.subject(t, rig.sm.clock.Now().Add(time.Hour))))
		}, func(t *testing.T, r resp, _ *exchangeRig) { expect(t, r, http.StatusOK) }},
		{"apim-exchange-idp-not-updated", func(rig *exchangeRig) {
			km := rig.exchangeKM("tx-km", "EXCHANGED", func(km map[string]any) { km["alias"] = "someone-else" })
			expect(rig.sm.t, call(rig.sm.t, "PUT", rig.sm.admin("/key-managers/"+rig.sm.kmID("tx-km")), km), http.StatusOK)
		}, func(t *testing.T, rig *exchangeRig) resp {
			return rig.exchange(t, rig.key, rig.secret, exchangeForm(rig.subject(t, rig.sm.clock.Now().Add(time.Hour))))
		}, func(t *testing.T, r resp, _ *exchangeRig) { expect(t, r, http.StatusOK) }},
		{"apim-accepts-malformed-idp-cert", nil, func(t *testing.T, rig *exchangeRig) resp {
			return call(t, "POST", rig.sm.admin("/key-managers"), rig.exchangeKM("bad-cert", "EXCHANGED", func(km map[string]any) {
				km["issuer"] = "https://other.example/oauth2/token"
				km["certificates"] = map[string]any{"type": "PEM", "value": base64.StdEncoding.EncodeToString([]byte("not a certificate"))}
			}))
		}, func(t *testing.T, r resp, _ *exchangeRig) { expect(t, r, http.StatusCreated) }},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			rig := newExchangeRig(t, exchangeTOML, tc.fault)
			if !strings.Contains(rig.sm.logBuf.String(), "fault "+tc.fault) {
				t.Errorf("no start-up WARN line names the fault")
			}
			rig.sm.createKM(rig.exchangeKM("tx-km", "EXCHANGED", nil))
			if tc.setup != nil {
				tc.setup(rig)
			}
			tc.check(t, tc.run(t, rig), rig)
		})
	}
}

// kmID finds a Key Manager's id by name.
func (sm *sim) kmID(name string) string {
	sm.t.Helper()
	for _, km := range sm.s.st.kms {
		if km.Name == name {
			return km.ID
		}
	}
	sm.t.Fatalf("no Key Manager %s", name)
	return ""
}

// Every token-exchange fault warned about at start-up is an API-M fault of the registry, whose description
// the warning carries.
func TestGrantFaultsRegistered(t *testing.T) {
	apim := faults.Names("apim")
	for _, name := range grantFaults {
		if !slices.Contains(apim, name) || faults.Doc(name) == "" {
			t.Errorf("grant fault %s is not an API-M fault of sim/faults", name)
		}
	}
}
