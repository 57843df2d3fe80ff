package checks

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/kmconform/kmconform/harness/assertion"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/wso2am"
)

func init() { register(validationSelfJWT, validationIntrospection, validationPEM) }

// carbon-apimgt admin-api.yaml, JWTValidator: registered with enableSelfValidationJWT=true (the default) and IS's
// JWKS, the gateway validates IS's JWTs itself — signature by the JWKS key of the token's kid.
var validationSelfJWT = &Check{
	ID: "validation.self-validated", Area: "validation", Capability: "validation.jwks", Level: MUST,
	Title: "the IS Key Manager is stored for self-validated JWTs with IS's JWKS; the gateway accepts an IS token and refuses one signed by another key on its JWT path (401 900901)",
	Refs: []string{"RFC 7515 §5.2", "RFC 9068 §4", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Self validate JWT, Certificate Type JWKS)",
		"wso2/carbon-apimgt KeyManagerHolder.getJWTValidator (a validator only with self_validate_jwt and an issuer)",
		"wso2/product-apim integration-v2 is7_key_manager_boot.feature"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"km-self-validation-off", "enableSelfValidationJWT=false"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		km, err := e.APIM.GetKeyManager(c.ctx, e.KeyManager.ID)
		c.NoErr(err, "read Key Manager %s back from API-M", e.KeyManager.Name)
		if !km.EnableSelfValidationJWT {
			c.Failf("Key Manager %s is stored with enableSelfValidationJWT=false: the gateway introspects IS's JWTs at IS instead of validating them, and a revocation waits for the introspection cache (the documented registration self-validates)", km.Name)
		}
		if km.Certificates == nil || km.Certificates.Type != "JWKS" || km.Certificates.Value != e.Discovery.JWKSURI {
			c.Failf("Key Manager %s is stored with certificates %+v, want type JWKS with IS's jwks_uri %s", km.Name, km.Certificates, e.Discovery.JWKSURI)
		}
		app := Shared(c, fixture.ISApp)
		tok := appToken(c, app)
		expectGatewayAccepts(c, tok, "an IS token validated against IS's JWKS")
		forged := forgeLike(c, tok)
		a := callAPI(c, forged, "a token signed by another key")
		expectSignatureRefusal(c, a, "in JWKS mode")
	},
}

// carbon-apimgt KeyManagerHolder.getJWTValidator: with enableSelfValidationJWT=false the Key Manager has no
// JWT validator, so the gateway validates IS's JWTs by introspection at IS (WSO2 suite row 22).
var validationIntrospection = &Check{
	ID: "validation.introspection", Area: "validation", Capability: "validation.introspection", Level: MUST,
	Title: "IS registered for introspection (enableSelfValidationJWT=false) is stored so; the gateway accepts an IS token and refuses one IS says is inactive through introspection (401 900901)",
	Refs: []string{"RFC 7662 §2.2", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Self validate JWT off: token introspection)",
		"wso2-extensions/apim-km-wso2is WSO2IS7KeyManager.getTokenMetaData (active:false → 900901)",
		"wso2/product-apim integration-v2 is7_introspection.feature"},
	Fixtures: []string{fixture.ISApp.Name, fixture.IntrospectKM.Name},
	Faults: []Proof{
		{"gateway-introspection-ignores-inactive", "did not take IS's active:false as an invalid token"},
	},
	Run: func(c *C) {
		e := c.Env
		Shared(c, fixture.ISApp) // the Key Manager's release proves itself with the base application
		m := Private(c, fixture.IntrospectKM)
		c.Defer(m.Release)
		if m.KeyManager.EnableSelfValidationJWT {
			c.Failf("API-M stored Key Manager %s with enableSelfValidationJWT=true although it was registered with false", m.KeyManager.Name)
		}
		app := m.App
		expectAcceptedOn(c, m.APIPath, "an IS token in introspection mode", fixedToken(appToken(c, app)))

		// A token with a valid signature that IS says is inactive: only IS's answer can refuse it.
		dead, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a second token from IS")
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, dead.AccessToken, "access_token"),
			"revoke the second token at IS before its first use")
		expectInactiveAtIS(c, dead.AccessToken, "the second token")
		a, err := e.APIM.CallAPI(c.ctx, m.APIPath, dead.AccessToken)
		c.NoErr(err, "call the API with the token IS says is inactive")
		switch {
		case a.Status == http.StatusOK:
			c.Failf("the gateway accepted a token IS introspection says is inactive, on an API restricted to Key Manager %s: it did not take IS's active:false as an invalid token (or did not introspect at all)", m.KeyManager.Name)
		case a.Status == http.StatusForbidden && a.Code == "900908":
			c.Failf("the gateway answered a token IS introspection says is inactive with %s: it did not take IS's active:false as an invalid token and went on to subscription validation (the IS 7 connector's getTokenMetaData makes active:false a 900901)", a.String())
		case !keyValidationRefusal(a):
			c.Failf("the gateway refused a token IS says is inactive with %s, want HTTP 401, code 900901 (%s: %s …) from the key-validation (introspection) path",
				a.String(), msgInvalidCredentials, revPrefixKeyValidation)
		}
	},
}

// carbon-apimgt admin-api.yaml (certificates PEM): a Key Manager can carry a PEM certificate instead of a JWKS
// URL; it must be IS's token-signing certificate, not its TLS certificate (WSO2's integration-v2 IS 7 plan;
// WSO2 suite rows 24, 51).
var validationPEM = &Check{
	ID: "validation.pem", Area: "validation", Capability: "validation.pem", Level: MUST,
	Title: "IS registered with its signing certificate as PEM (read from IS's JWKS x5c) is stored so; the gateway accepts an IS token, refuses one signed by another key (401 900901), and follows a certificate rotation",
	Refs: []string{"RFC 7515 §5.2", "RFC 7517 §4.7 (x5c)", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Certificate Type PEM)",
		"wso2/carbon-apimgt APIUtil.retrieveCertificateFromURLEncodedContent (PEM value)",
		"wso2/product-apim integration-v2 is7_pem_validation.feature, key_manager_config.feature (PEM)",
		refIV2Plan + " (the token-signing certificate, not the TLS certificate)"},
	Fixtures: []string{fixture.ISApp.Name, fixture.PEMKM.Name},
	Faults: []Proof{
		{"gateway-pem-accepts-any-signature", "accepted a token signed by another key"},
		{"pem-tls-certificate", "not the token-signing certificate"},
	},
	Run: func(c *C) {
		e := c.Env
		Shared(c, fixture.ISApp) // the Key Manager's release proves itself with the base application
		m := Private(c, fixture.PEMKM)
		c.Defer(m.Release)
		if m.KeyManager.Certificates == nil || m.KeyManager.Certificates.Type != "PEM" || m.KeyManager.Certificates.Value != fixture.PEMValue(m.Certificate) {
			c.Failf("API-M stored Key Manager %s with certificates %+v, want type PEM and the value registered", m.KeyManager.Name, m.KeyManager.Certificates)
		}
		app := m.App
		tok := appToken(c, app)
		if err := acceptedOn(c, m.APIPath, tok); err != nil {
			cause := "the registered certificate is IS's signing certificate, yet the gateway does not verify IS's signature with it"
			if !m.Certificate.Equal(m.SigningCert) {
				cause = fmt.Sprintf("the registered certificate (%s) is not the token-signing certificate IS publishes in its JWKS x5c (%s) — is it IS's TLS certificate? (wso2/product-apim integration-v2 is7-key-manager-integration-plan.md)",
					describeCert(m.Certificate), describeCert(m.SigningCert))
			}
			c.Failf("the gateway did not accept IS's token on an API restricted to Key Manager %s in PEM mode (%v): %s", m.KeyManager.Name, err, cause)
		}
		forged := forgeLike(c, tok)
		a, err := e.APIM.CallAPI(c.ctx, m.APIPath, forged)
		c.NoErr(err, "call the API with a token signed by another key")
		expectSignatureRefusal(c, a, "in PEM mode")
		pemRotation(c, m)
	},
}

// pemRotation is WSO2's rotation walk (its suite's PEM scenario): the gateway validates with the
// certificate registered now — another certificate makes a fresh IS token fail, the signing certificate
// put back makes one work again. A gateway that keeps a stale certificate fails one of the two.
func pemRotation(c *C, m *fixture.ModeKM) {
	e := c.Env
	other, err := assertion.SelfSigned("kmconform-rotated", time.Hour)
	c.NoErr(err, "make another certificate")
	put := func(cert *x509.Certificate, what string) {
		km := *m.KeyManager
		km.Certificates = &wso2am.Certificates{Type: "PEM", Value: fixture.PEMValue(cert)}
		_, err := e.APIM.UpdateKeyManager(c.ctx, km.ID, &km)
		c.NoErr(err, "register %s as Key Manager %s's PEM certificate", what, km.Name)
	}
	fresh := func() string { return appToken(c, m.App) }
	put(other.Cert, "another certificate")
	_, err = poll.Until(c.ctx, poll.Options{What: "the gateway to refuse IS's tokens once another certificate is registered",
		Interval: intervals.GatewayPropagation, Backoff: true, Progress: c.log},
		func(ctx context.Context) (bool, string, error) {
			a, err := e.APIM.CallAPI(ctx, m.APIPath, fresh())
			if err != nil {
				return false, err.Error(), nil
			}
			return a.Status == http.StatusUnauthorized && a.Code == "900901", a.String(), nil
		})
	if err != nil {
		c.Failf("the gateway still accepted IS's tokens after Key Manager %s's PEM certificate was replaced by one that did not sign them (%v): it validates with a stale certificate",
			m.KeyManager.Name, err)
	}
	put(m.SigningCert, "IS's signing certificate")
	if err := acceptedOn(c, m.APIPath, fresh()); err != nil {
		c.Failf("the gateway did not accept IS's token again after IS's signing certificate was registered back for Key Manager %s (%v): it validates with a stale certificate",
			m.KeyManager.Name, err)
	}
}

// expectSignatureRefusal asserts the JWT path's refusal of a token whose signature does not verify.
func expectSignatureRefusal(c *C, a wso2am.GatewayAnswer, mode string) {
	switch {
	case a.Status == http.StatusOK:
		c.Failf("the gateway accepted a token signed by another key than IS's %s: it does not verify the signature", mode)
	case a.Status == http.StatusUnauthorized && a.Code == "900901" && strings.HasPrefix(a.Description, revPrefixKeyValidation):
		c.Failf("the gateway refused a token signed by another key %s only after introspecting it at IS (%s): the Key Manager does not validate IS's JWTs itself (enableSelfValidationJWT=false?)", mode, a.String())
	case a.Status != http.StatusUnauthorized || a.Code != "900901" || a.Message != msgInvalidCredentials || a.Description != descInvalidCredential:
		c.Failf("the gateway refused a token signed by another key %s with %s, want HTTP 401, code 900901 (%s: %s)", mode, a.String(), msgInvalidCredentials, descInvalidCredential)
	}
}

// forgeLike signs the claims of an IS token (a fresh jti) with a key of kmconform's, under IS's kid: a
// token that only a signature check can tell from IS's.
func forgeLike(c *C, token string) string {
	header, claims, err := tokens.Peek(token)
	c.NoErr(err, "read an IS token's header and claims")
	kp, err := assertion.SelfSigned("kmconform-forger", time.Hour)
	c.NoErr(err, "make a signing key")
	claims["jti"] = uuid.NewString()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	for _, k := range []string{"kid", "typ", "x5t"} {
		if v, ok := header[k]; ok {
			t.Header[k] = v
		}
	}
	s, err := t.SignedString(kp.Key)
	c.NoErr(err, "sign a forged token")
	return s
}

// acceptedOn calls an API path until the gateway answers 200 (gateway-propagation interval).
func acceptedOn(c *C, path, token string) error {
	_, err := poll.Until(c.ctx, poll.Options{What: "the gateway to accept the token on " + path,
		Interval: intervals.GatewayPropagation, Backoff: true, Progress: c.log},
		func(ctx context.Context) (bool, string, error) {
			a, err := c.Env.APIM.CallAPI(ctx, path, token)
			if err != nil {
				return false, err.Error(), nil
			}
			return a.Status == http.StatusOK, a.String(), nil
		})
	return err
}

func describeCert(cert *x509.Certificate) string {
	if cert == nil {
		return "none"
	}
	sum := sha256.Sum256(cert.Raw)
	return fmt.Sprintf("subject %q, SHA-256 %s", cert.Subject.String(), hex.EncodeToString(sum[:8]))
}
