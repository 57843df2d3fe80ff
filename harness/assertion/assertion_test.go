package assertion

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/golang-jwt/jwt/v5"
)

var (
	kpOnce sync.Once
	kp     *KeyPair
	kpErr  error
)

// testKey makes one key pair for the package's tests: RSA key generation is the slow part.
func testKey(t *testing.T) *KeyPair {
	t.Helper()
	kpOnce.Do(func() { kp, kpErr = SelfSigned("kmconform-test-idp", time.Hour) })
	if kpErr != nil {
		t.Fatal(kpErr)
	}
	return kp
}

func TestJWTBearerVerifiesWithThePublicKey(t *testing.T) {
	k := testKey(t)
	iat := time.Now().Add(-10 * time.Second).Truncate(time.Second)
	s, err := JWTBearer(k.Key, JWTClaims{
		Issuer: "kmconform-idp", Subject: "alice", Audience: []string{"https://wso2is:9443/oauth2/token"},
		IssuedAt: iat, ID: "jti-1", KeyID: "kid-1", Extra: map[string]any{"tenant": "carbon.super"},
	})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.Parse(s, func(*jwt.Token) (any, error) { return &k.Key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}))
	if err != nil {
		t.Fatalf("the JWT does not verify with the public key: %v", err)
	}
	if parsed.Header["kid"] != "kid-1" || parsed.Header["alg"] != "RS256" {
		t.Errorf("header = %v", parsed.Header)
	}
	c := parsed.Claims.(jwt.MapClaims)
	want := map[string]any{
		"iss": "kmconform-idp", "sub": "alice", "aud": "https://wso2is:9443/oauth2/token", "jti": "jti-1",
		"iat": float64(iat.Unix()), "nbf": float64(iat.Unix()), "exp": float64(iat.Add(5 * time.Minute).Unix()),
		"tenant": "carbon.super",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if len(c) != len(want) {
		t.Errorf("claims = %v, want exactly %v", c, want)
	}

	other, err := SelfSigned("other", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Parse(s, func(*jwt.Token) (any, error) { return &other.Key.PublicKey, nil }); err == nil {
		t.Error("the JWT verified with another key")
	}
}

func TestJWTBearerExtraNilRemovesAClaim(t *testing.T) {
	k := testKey(t)
	s, err := JWTBearer(k.Key, JWTClaims{Issuer: "i", Subject: "s", Audience: []string{"a", "b"}, Extra: map[string]any{"exp": nil}})
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(s, c); err != nil {
		t.Fatal(err)
	}
	if _, ok := c["exp"]; ok {
		t.Error("exp is still there")
	}
	aud, _ := c["aud"].([]any)
	if len(aud) != 2 || aud[0] != "a" || aud[1] != "b" {
		t.Errorf("aud = %v, want [a b]", c["aud"])
	}
}

func TestSAML2BearerSignatureValidatesAndBreaksWhenAltered(t *testing.T) {
	k := testKey(t)
	issued := time.Now().Add(-time.Minute)
	a, err := SAML2Bearer(k, SAMLClaims{
		Issuer: "kmconform-saml-idp", Subject: "alice", Audiences: []string{"https://wso2is:9443/oauth2/token"},
		Recipient: "https://wso2is:9443/oauth2/token", IssueInstant: issued,
	})
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := base64.RawURLEncoding.DecodeString(a.Base64URL)
	if err != nil || !bytes.Equal(decoded, a.XML) {
		t.Fatalf("Base64URL is not the unpadded base64url of XML (err %v)", err)
	}
	if strings.ContainsAny(a.Base64URL, "=+/") {
		t.Error("Base64URL has padding or non-URL characters")
	}

	el, err := VerifySAML(a.XML, k.Cert)
	if err != nil {
		t.Fatalf("the signature does not validate: %v", err)
	}
	if got := el.SelectAttrValue("ID", ""); got != a.ID || !strings.HasPrefix(got, "_") {
		t.Errorf("ID = %q, want %q starting with _", got, a.ID)
	}

	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(a.XML); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	// Structure: Issuer, then the Signature, then Subject, Conditions, AuthnStatement.
	var order []string
	for _, c := range root.ChildElements() {
		order = append(order, c.Tag)
	}
	if strings.Join(order, ",") != "Issuer,Signature,Subject,Conditions,AuthnStatement" {
		t.Errorf("children = %v", order)
	}
	checks := map[string]string{
		"./Issuer":         "kmconform-saml-idp",
		"./Subject/NameID": "alice",
		"./Conditions/AudienceRestriction/Audience": "https://wso2is:9443/oauth2/token",
	}
	for path, want := range checks {
		if e := root.FindElement(path); e == nil || e.Text() != want {
			t.Errorf("%s = %v, want %q", path, e, want)
		}
	}
	conf := root.FindElement("./Subject/SubjectConfirmation")
	if conf == nil || conf.SelectAttrValue("Method", "") != ConfirmationBearer {
		t.Fatalf("no bearer SubjectConfirmation")
	}
	data := conf.FindElement("./SubjectConfirmationData")
	wantEnd := issued.Add(5 * time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
	if data.SelectAttrValue("Recipient", "") != "https://wso2is:9443/oauth2/token" || data.SelectAttrValue("NotOnOrAfter", "") != wantEnd {
		t.Errorf("SubjectConfirmationData attrs = %v", data.Attr)
	}
	cond := root.FindElement("./Conditions")
	if cond.SelectAttrValue("NotBefore", "") != issued.UTC().Format("2006-01-02T15:04:05.000Z") || cond.SelectAttrValue("NotOnOrAfter", "") != wantEnd {
		t.Errorf("Conditions attrs = %v", cond.Attr)
	}
	for path, want := range map[string]string{
		"./Signature/SignedInfo/CanonicalizationMethod": "http://www.w3.org/2001/10/xml-exc-c14n#",
		"./Signature/SignedInfo/SignatureMethod":        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
		"./Signature/SignedInfo/Reference/DigestMethod": "http://www.w3.org/2001/04/xmlenc#sha256",
	} {
		if e := root.FindElement(path); e == nil || e.SelectAttrValue("Algorithm", "") != want {
			t.Errorf("%s Algorithm = %v, want %s", path, e, want)
		}
	}
	if refs := root.FindElements("./Signature/SignedInfo/Reference"); len(refs) != 1 || refs[0].SelectAttrValue("URI", "") != "#"+a.ID {
		t.Errorf("want one Reference to #%s", a.ID)
	}

	// Alter the subject: the digest no longer matches.
	root.FindElement("./Subject/NameID").SetText("mallory")
	altered, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifySAML(altered, k.Cert); err == nil {
		t.Error("an altered assertion still validates")
	}

	// Another certificate is not trusted.
	other, err := SelfSigned("other", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifySAML(a.XML, other.Cert); err == nil {
		t.Error("the assertion validated against an untrusted certificate")
	}
}

func TestSelfSignedPEM(t *testing.T) {
	k := testKey(t)
	if !bytes.HasPrefix(k.CertPEM, []byte("-----BEGIN CERTIFICATE-----\n")) || !bytes.HasPrefix(k.KeyPEM, []byte("-----BEGIN PRIVATE KEY-----\n")) {
		t.Errorf("PEM blocks are not a certificate and a PKCS#8 key")
	}
	if k.Cert.Subject.CommonName != "kmconform-test-idp" || k.Cert.CheckSignature(k.Cert.SignatureAlgorithm, k.Cert.RawTBSCertificate, k.Cert.Signature) != nil {
		t.Errorf("certificate is not self-signed for kmconform-test-idp")
	}
	if time.Until(k.Cert.NotAfter) < 59*time.Minute {
		t.Errorf("NotAfter = %v", k.Cert.NotAfter)
	}
}
