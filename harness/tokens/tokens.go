// Package tokens verifies the JWT access tokens IS issues: signature against the JWKS IS publishes, issuer
// and expiry, with golang-jwt and keyfunc. It also reads claims without verifying, for diagnostics.
package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// Verified is a token whose signature and registered claims checked out.
type Verified struct {
	Header map[string]any
	Claims jwt.MapClaims
}

// Verify checks token against the JWKS at jwksURL (fetched with client, so the run's CA and name mapping
// apply), requires RS256, the issuer and an expiry. The first JWKS fetch must succeed: keyfunc would
// otherwise only log the failure.
func Verify(ctx context.Context, client *http.Client, jwksURL, token, issuer string) (*Verified, error) {
	fetchCtx, cancel := context.WithCancel(ctx)
	defer cancel() // stops keyfunc's refresh goroutine
	failFast := false
	kf, err := keyfunc.NewDefaultOverrideCtx(fetchCtx, []string{jwksURL}, keyfunc.Override{
		Client:                    client,
		HTTPTimeout:               30 * time.Second,
		NoErrorReturnFirstHTTPReq: &failFast,
	})
	if err != nil {
		return nil, fmt.Errorf("read IS JWKS %s: %w", jwksURL, err)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(token, claims, kf.KeyfuncCtx(fetchCtx),
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired(),
		jwt.WithLeeway(30*time.Second))
	if err != nil {
		return nil, explain(err, token, issuer)
	}
	return &Verified{Header: parsed.Header, Claims: claims}, nil
}

// explain turns golang-jwt's sentinel errors into a sentence that names what disagreed.
func explain(err error, token, issuer string) error {
	_, claims, _ := Peek(token)
	switch {
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return fmt.Errorf("token iss %q is not the issuer IS publishes (%q): %w", claims["iss"], issuer, err)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return fmt.Errorf("no key in IS JWKS matches the token's kid: %w", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return fmt.Errorf("the token's signature does not verify against IS JWKS: %w", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return fmt.Errorf("the token has expired: %w", err)
	}
	return fmt.Errorf("verify token: %w", err)
}

// Peek decodes a JWT's header and claims without verifying anything. It fails for an opaque token.
func Peek(token string) (header map[string]any, claims jwt.MapClaims, err error) {
	if strings.Count(token, ".") != 2 {
		return nil, nil, errors.New("not a JWT (opaque token)")
	}
	claims = jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		return nil, nil, fmt.Errorf("decode JWT: %w", err)
	}
	return parsed.Header, claims, nil
}
