package is

import (
	"net/url"
	"slices"
	"strings"
)

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeJWT       = "urn:ietf:params:oauth:token-type:jwt"
	tokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
)

func txErr(code, desc string) *oauthError { return &oauthError{status: 400, code: code, desc: desc} }

// grantExchange is TokenExchangeGrantHandler (§4): a JWT subject token from a registered IdP (or IS
// itself), audience = IS's token endpoint or the IdP alias, response with issued_token_type.
// The `audience` parameter is accepted and not reflected in the issued token (the simulator's JWT
// always carries aud = client_id).
func grantExchange(s *server, a *app, params url.Values) (*grantResult, *oauthError) {
	st, stt := params.Get("subject_token"), params.Get("subject_token_type")
	isJWT := strings.Count(st, ".") == 2
	if stt != tokenTypeJWT && !(stt == tokenTypeAccess && isJWT) {
		return nil, txErr("invalid_request", "Unsupported subject token type : "+stt+" provided")
	}
	rtt := params.Get("requested_token_type")
	if rtt == "" {
		rtt = tokenTypeJWT
	}
	if rtt != tokenTypeJWT && rtt != tokenTypeAccess {
		// UNCONFIRMED (§4): chose a text parallel to the subject-token one.
		return nil, txErr("invalid_request", "Unsupported requested token type : "+rtt+" provided")
	}
	f, iss, err := s.parseFederated(st)
	if err != nil {
		// UNCONFIRMED (§4): the text for an unparsable subject token; chose this one.
		return nil, txErr("invalid_request", "Error while parsing the subject token")
	}
	if !f.mandatoryPresent() {
		// UNCONFIRMED (§4): TXG's text; chose jwt-bearer's.
		return nil, txErr("invalid_request", "Mandatory fields(Issuer, Subject, Expiration time or Audience) are empty in the given JSON Web Token.")
	}
	if f.idpLabel == "" {
		// UNCONFIRMED (§4): chose jwt-bearer's text with invalid_request.
		return nil, txErr("invalid_request", "No registered identity provider found for the JWT with issuer name : "+iss)
	}
	if err := s.verifySignature(f); err != nil {
		return nil, txErr("invalid_request", strings.TrimSuffix(err.Error(), "."))
	}
	aud := f.audience()
	if !slices.Contains(aud, s.issuer()) && (f.alias == "" || !slices.Contains(aud, f.alias)) {
		return nil, txErr("invalid_target", "Invalid audience values provided")
	}
	if msg := s.checkTimes(f); msg != "" {
		// UNCONFIRMED (§4): TXG's time-check texts; chose jwt-bearer's with invalid_request.
		return nil, txErr("invalid_request", msg)
	}
	sub, _ := f.claims["sub"].(string)
	return &grantResult{user: sub, fedIdP: f.fedIdP(), scopes: grantedScopes(scopesOf(params.Get("scope")), false),
		// UNCONFIRMED (§4): chose a refresh token only when the app has refresh_token.
		issueRefresh: a.allows("refresh_token"),
		extra:        []kv{{"issued_token_type", rtt}}}, nil
}
