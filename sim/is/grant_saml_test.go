package is

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestExcC14NKnownAnswer checks the canonicaliser against a hand-written exclusive-c14n result
// (namespace rendering only where visibly used, attribute order by namespace URI, xmlns="" undeclaring,
// empty elements expanded, comments dropped, escaping) — independent of the signing helper below.
func TestExcC14NKnownAnswer(t *testing.T) {
	in := `<a:R xmlns:a="urn:a" xmlns:b="urn:b" xmlns:unused="urn:u" z="1" b:x="&quot;" a:y="2"><b:C/>text &amp; &gt;<!-- c --><D xmlns="urn:d"><E xmlns=""/></D></a:R>`
	want := `<a:R xmlns:a="urn:a" xmlns:b="urn:b" z="1" a:y="2" b:x="&quot;"><b:C></b:C>text &amp; &gt;<D xmlns="urn:d"><E xmlns=""></E></D></a:R>`
	n, err := parseXML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(excC14N(n, nil)); got != want {
		t.Errorf("c14n\n got %s\nwant %s", got, want)
	}
	if _, err := parseXML([]byte(`<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>`)); err == nil {
		t.Errorf("DTD accepted")
	}
}

// samlAssertion builds an assertion from issuer for audience, signed with key when key != nil.
func samlAssertion(t *testing.T, issuer, audience string, notOnOrAfter time.Time, key *rsa.PrivateKey) string {
	t.Helper()
	exp := notOnOrAfter.UTC().Format(time.RFC3339)
	body := `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1b2" IssueInstant="` + time.Now().UTC().Format(time.RFC3339) +
		`" Version="2.0"><saml2:Issuer>` + issuer + `</saml2:Issuer>SIG<saml2:Subject><saml2:NameID>bob</saml2:NameID>` +
		`<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData NotOnOrAfter="` + exp +
		`" Recipient="https://localhost:9443/oauth2/token"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotOnOrAfter="` + exp +
		`"><saml2:AudienceRestriction><saml2:Audience>` + audience + `</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions></saml2:Assertion>`
	if key == nil {
		return base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(body, "SIG", "", 1)))
	}
	unsigned, err := parseXML([]byte(strings.Replace(body, "SIG", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(excC14N(unsigned, nil))
	signedInfo := `<ds:SignedInfo xmlns:ds="` + dsigNS + `"><ds:CanonicalizationMethod Algorithm="` + algExcC14N + `"/><ds:SignatureMethod Algorithm="` + algRSA256 +
		`"/><ds:Reference URI="#_a1b2"><ds:Transforms><ds:Transform Algorithm="` + algEnvelope + `"/><ds:Transform Algorithm="` + algExcC14N +
		`"/></ds:Transforms><ds:DigestMethod Algorithm="` + algSHA256 + `"/><ds:DigestValue>` + base64.StdEncoding.EncodeToString(digest[:]) +
		`</ds:DigestValue></ds:Reference></ds:SignedInfo>`
	si, err := parseXML([]byte(signedInfo))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(excC14N(si, nil))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	// The Signature element declares ds itself; SignedInfo inside it canonicalises the same.
	signature := `<ds:Signature xmlns:ds="` + dsigNS + `">` + strings.Replace(signedInfo, ` xmlns:ds="`+dsigNS+`"`, "", 1) +
		`<ds:SignatureValue>` + base64.StdEncoding.EncodeToString(sig) + `</ds:SignatureValue></ds:Signature>`
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(body, "SIG", signature, 1)))
}

// TestSAML2Bearer: §4 saml2-bearer — Issuer → IdP, "Token Endpoint alias has not been configured…",
// "SAML Assertion Audience Restriction validation failed", NotOnOrAfter, and the enveloped signature
// checked with the IdP certificate. UNCONFIRMED (§4): Issuer matched against the IdP name; the texts
// other than the two §4 ones.
func TestSAML2Bearer(t *testing.T) {
	s := startDefault(t, "7.1.0")
	cert, key := testSigner(t)
	s.idpPost(map[string]any{"name": "saml-idp", "alias": alias, "certificate": map[string]any{"certificates": []string{certB64(cert)}}})
	s.idpPost(map[string]any{"name": "no-alias", "certificate": map[string]any{"certificates": []string{certB64(cert)}}})
	id, secret := s.app("sb", "", grantSAML2Bearer)
	g := func(a string) resp {
		return s.token(id, secret, url.Values{"grant_type": {grantSAML2Bearer}, "assertion": {a}})
	}
	later := time.Now().Add(10 * time.Minute)

	ok := g(samlAssertion(t, "saml-idp", alias, later, key))
	if ok.status != 200 {
		t.Fatalf("signed assertion: %d %s", ok.status, ok.body)
	}
	if in := s.introspect(ok.json(t)["access_token"].(string)).json(t); in["username"] != "bob@carbon.super" {
		t.Errorf("token user %v", in)
	}
	bad := func(what, a, desc string) { t.Helper(); expectGrantErr(t, what, g(a), 400, "invalid_grant", desc) }
	bad("no alias", samlAssertion(t, "no-alias", alias, later, key), "Token Endpoint alias has not been configured in the Identity Provider")
	bad("audience", samlAssertion(t, "saml-idp", "urn:elsewhere", later, key), "SAML Assertion Audience Restriction validation failed")
	bad("expired", samlAssertion(t, "saml-idp", alias, time.Now().Add(-10*time.Minute), key), "SAML Assertion is expired or not yet valid (NotOnOrAfter)")
	bad("unknown issuer", samlAssertion(t, "nobody", alias, later, key), "Identity provider not found for the SAML assertion issuer : nobody")
	bad("unsigned", samlAssertion(t, "saml-idp", alias, later, nil), "Error while validating the signature of the SAML assertion")
	raw, _ := base64.RawURLEncoding.DecodeString(samlAssertion(t, "saml-idp", alias, later, key))
	tampered := strings.Replace(string(raw), "<saml2:NameID>bob<", "<saml2:NameID>eve<", 1)
	bad("tampered", base64.RawURLEncoding.EncodeToString([]byte(tampered)), "Error while validating the signature of the SAML assertion")
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	bad("other key", samlAssertion(t, "saml-idp", alias, later, other), "Error while validating the signature of the SAML assertion")
	bad("not XML", base64.RawURLEncoding.EncodeToString([]byte("nope")), "Error while unmarshalling SAML2 assertion")
}
