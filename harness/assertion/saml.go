package assertion

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML 2.0 names the assertion uses.
const (
	SAMLNamespace       = "urn:oasis:names:tc:SAML:2.0:assertion"
	NameIDUnspecified   = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	ConfirmationBearer  = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	AuthnContextPwdProt = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
	samlPrefix          = "saml2"
)

// SAMLClaims describe a bearer assertion (RFC 7522 §3): IS finds the identity provider by Issuer, wants its
// token endpoint alias among the Audiences and the token endpoint as the bearer confirmation's Recipient.
type SAMLClaims struct {
	Issuer string
	// Subject is the NameID; NameIDFormat defaults to NameIDUnspecified.
	Subject      string
	NameIDFormat string
	Audiences    []string
	Recipient    string
	// IssueInstant defaults to now, NotBefore to IssueInstant, NotOnOrAfter to IssueInstant + 5 minutes
	// (both for the Conditions and the bearer confirmation).
	IssueInstant, NotBefore, NotOnOrAfter time.Time
	// ID defaults to a random NCName.
	ID string
}

// SignedSAML is a signed assertion.
type SignedSAML struct {
	ID  string
	XML []byte
	// Base64URL is the grant's assertion parameter: base64url without padding (RFC 7522 §2.1).
	Base64URL string
}

// SAML2Bearer builds the assertion and signs it with an enveloped XML signature: exclusive c14n,
// RSA-SHA256, a SHA-256 digest, one Reference to the assertion's ID, and cert in KeyInfo. The Signature goes
// right after Issuer, where the SAML schema puts it.
func SAML2Bearer(kp *KeyPair, c SAMLClaims) (*SignedSAML, error) {
	if kp == nil || kp.Key == nil {
		return nil, fmt.Errorf("sign a SAML assertion: no key")
	}
	id := c.ID
	if id == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("sign a SAML assertion: random ID: %w", err)
		}
		id = "_" + hex.EncodeToString(b) // an NCName cannot start with a digit
	}
	issued := c.IssueInstant
	if issued.IsZero() {
		issued = time.Now()
	}
	notBefore, notOnOrAfter := c.NotBefore, c.NotOnOrAfter
	if notBefore.IsZero() {
		notBefore = issued
	}
	if notOnOrAfter.IsZero() {
		notOnOrAfter = issued.Add(5 * time.Minute)
	}
	format := c.NameIDFormat
	if format == "" {
		format = NameIDUnspecified
	}

	a := etree.NewElement(samlPrefix + ":Assertion")
	a.CreateAttr("xmlns:"+samlPrefix, SAMLNamespace)
	a.CreateAttr("ID", id)
	a.CreateAttr("IssueInstant", samlTime(issued))
	a.CreateAttr("Version", "2.0")
	issuer := a.CreateElement(samlPrefix + ":Issuer")
	issuer.SetText(c.Issuer)

	subject := a.CreateElement(samlPrefix + ":Subject")
	nameID := subject.CreateElement(samlPrefix + ":NameID")
	nameID.CreateAttr("Format", format)
	nameID.SetText(c.Subject)
	confirmation := subject.CreateElement(samlPrefix + ":SubjectConfirmation")
	confirmation.CreateAttr("Method", ConfirmationBearer)
	data := confirmation.CreateElement(samlPrefix + ":SubjectConfirmationData")
	data.CreateAttr("NotOnOrAfter", samlTime(notOnOrAfter))
	if c.Recipient != "" {
		data.CreateAttr("Recipient", c.Recipient)
	}

	conditions := a.CreateElement(samlPrefix + ":Conditions")
	conditions.CreateAttr("NotBefore", samlTime(notBefore))
	conditions.CreateAttr("NotOnOrAfter", samlTime(notOnOrAfter))
	restriction := conditions.CreateElement(samlPrefix + ":AudienceRestriction")
	for _, aud := range c.Audiences {
		restriction.CreateElement(samlPrefix + ":Audience").SetText(aud)
	}

	authn := a.CreateElement(samlPrefix + ":AuthnStatement")
	authn.CreateAttr("AuthnInstant", samlTime(issued))
	authn.CreateElement(samlPrefix + ":AuthnContext").CreateElement(samlPrefix + ":AuthnContextClassRef").SetText(AuthnContextPwdProt)

	certs := [][]byte{}
	if kp.CertDER != nil {
		certs = append(certs, kp.CertDER)
	}
	ctx, err := dsig.NewSigningContext(kp.Key, certs)
	if err != nil {
		return nil, fmt.Errorf("sign a SAML assertion: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, fmt.Errorf("sign a SAML assertion: %w", err)
	}
	sig, err := ctx.ConstructSignature(a, true)
	if err != nil {
		return nil, fmt.Errorf("sign a SAML assertion: %w", err)
	}
	a.InsertChildAt(issuer.Index()+1, sig)

	doc := etree.NewDocument()
	doc.SetRoot(a)
	xml, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("sign a SAML assertion: serialise: %w", err)
	}
	return &SignedSAML{ID: id, XML: xml, Base64URL: base64.RawURLEncoding.EncodeToString(xml)}, nil
}

// samlTime is xs:dateTime in UTC with milliseconds, as SAML implementations write it.
func samlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// VerifySAML checks an assertion's enveloped signature against trusted certificates with goxmldsig's
// validator and returns the signed assertion element. It exists for the harness's own tests and for
// checks that want to be sure what they send is well signed.
func VerifySAML(xml []byte, trusted ...*x509.Certificate) (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		return nil, fmt.Errorf("verify a SAML assertion: parse: %w", err)
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("verify a SAML assertion: empty document")
	}
	v := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: trusted})
	el, err := v.Validate(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("verify a SAML assertion: %w", err)
	}
	return el, nil
}
