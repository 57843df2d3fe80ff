package is

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// One organization as Asgardeo hosts it (kmconform's asgardeo profile): Asgardeo is WSO2 IS as a service and
// reaches an organization's endpoints under https://api.asgardeo.io/t/<organization>/… (the Asgardeo
// connector's BASE_URL_FORMAT; API-M docs "Configure Asgardeo as a Key Manager"). With Options.Organization
// set, the simulated IS serves, under /t/<organization>/, its discovery document, token, JWKS, introspection
// and revocation endpoints and DCR, with the organization's own issuer <base>/t/<organization>/oauth2/token.
// An application registered there belongs to the organization alone: its tokens are issued, introspected and
// revoked only there, and carry the organization's issuer; the root tenant's applications are not the
// organization's. DCR in the organization takes a bearer token of one of its applications with the
// internal_dcr_* scope of the method (Asgardeo's management API scopes, AsgardeoConstants.MANAGEMENT_SCOPES),
// or the administrator's Basic credentials in place of Asgardeo's console. Revocations in the organization
// notify nobody (Asgardeo has no token-revocation listener pointed at API-M).
// Not simulated under the organization: authorize, userinfo, SCIM2, API resources (the connector's look-up of
// its global scopes API resource) and roles.

type orgKey struct{}

// orgOf is the organization a request was made in ("" for the root tenant).
func orgOf(r *http.Request) string {
	o, _ := r.Context().Value(orgKey{}).(string)
	return o
}

// inOrg serves h under /t/{tenant}/ for the organization this IS plays; any other tenant is 404.
func (s *server) inOrg(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.org == "" || r.PathValue("tenant") != s.org {
			http.NotFound(w, r)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), orgKey{}, s.org)))
	}
}

func (s *server) orgRoutes(mux *http.ServeMux) {
	const t = "/t/{tenant}"
	mux.HandleFunc("POST "+t+"/oauth2/token", s.inOrg(s.tokenEndpoint))
	mux.HandleFunc("GET "+t+"/oauth2/jwks", s.inOrg(s.jwks))
	mux.HandleFunc("POST "+t+"/oauth2/introspect", s.inOrg(s.introspect))
	mux.HandleFunc("POST "+t+"/oauth2/revoke", s.inOrg(s.revoke))
	mux.HandleFunc("POST "+t+dcrPath, s.inOrg(s.dcrCreate))
	mux.HandleFunc("GET "+t+dcrPath+"/{client_id}", s.inOrg(s.dcrGet))
	mux.HandleFunc("PUT "+t+dcrPath+"/{client_id}", s.inOrg(s.dcrUpdate))
	mux.HandleFunc("DELETE "+t+dcrPath+"/{client_id}", s.inOrg(s.dcrDelete))
}

// orgBase is the organization's base URL ("" is the root tenant's, baseURL).
func (s *server) orgBase(org string) string {
	if org == "" {
		return s.baseURL()
	}
	return s.baseURL() + "/t/" + org
}

// orgIssuer is an organization's issuer.
func (s *server) orgIssuer(org string) string { return s.orgBase(org) + "/oauth2/token" }

// orgDocument is the organization's discovery document: the root document with every URL under the
// organization's base.
func (s *server) orgDocument(org string) map[string]any {
	doc := s.discoveryDocument()
	base, ob := s.baseURL(), s.orgBase(org)
	for k, v := range doc {
		if str, ok := v.(string); ok && strings.HasPrefix(str, base+"/") {
			doc[k] = ob + strings.TrimPrefix(str, base)
		}
	}
	return doc
}

// dcrAuth authenticates a DCR call: the administrator's Basic credentials, or in the organization a bearer
// token of one of its applications carrying scope.
func (s *server) dcrAuth(r *http.Request, scope string) bool {
	if s.adminAuth(r) {
		return true
	}
	org := orgOf(r)
	if org == "" {
		return false
	}
	t := s.bearer(r)
	return t != nil && t.org == org && slices.Contains(t.scopes, scope)
}

// orgClientAuth reports whether Basic credentials are a client of the request's organization (the
// Asgardeo connector introspects with its management application's credentials).
func (s *server) orgClientAuth(r *http.Request) bool {
	org := orgOf(r)
	u, p, ok := r.BasicAuth()
	if org == "" || !ok {
		return false
	}
	_, oerr := s.authenticateClientIn(clientCreds{id: u, secret: p, basic: true}, org)
	return oerr == nil
}
