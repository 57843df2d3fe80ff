package is

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

const idpPath = "/api/server/v1/identity-providers"

// idp is a federated identity provider registered through the IdP REST API (identity-providers-v1.yaml
// IdentityProviderPOSTRequest): what the jwt-bearer, token-exchange and saml2-bearer grants use.
type idp struct {
	id, name, description, alias, issuerName string
	certsB64                                 []string // as posted: base64 of PEM
	certs                                    []*x509.Certificate
	jwksURI                                  string
	// Plain IdentityProviderPOSTRequest fields, stored and returned as posted.
	image, templateID, homeRealmIdentifier string
	isPrimary, isFederationHub             bool
}

type idpCertificate struct {
	Certificates []string `json:"certificates,omitempty"`
	JwksURI      string   `json:"jwksUri,omitempty"`
}

type idpRequest struct {
	Name                string          `json:"name"`
	Description         string          `json:"description"`
	Alias               string          `json:"alias"`
	IdpIssuerName       string          `json:"idpIssuerName"`
	Certificate         *idpCertificate `json:"certificate"`
	Image               string          `json:"image"`
	TemplateID          string          `json:"templateId"`
	IsPrimary           bool            `json:"isPrimary"`
	IsFederationHub     bool            `json:"isFederationHub"`
	HomeRealmIdentifier string          `json:"homeRealmIdentifier"`
}

// Errors of the identity-provider API are the server APIs' {code, message, description, traceId} body
// (apiError). UNCONFIRMED (identity-providers-v1.yaml gives only the shape): the IDP-6xxxx codes and texts;
// chose IDP-60001 bad request, IDP-60002 not found, IDP-60003 conflict.

// parseIdPCert decodes one certificates[] entry: base64 of a PEM block (the console's encoding), or
// base64 DER.
func parseIdPCert(b64 string) (*x509.Certificate, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("certificate is not base64: %w", err)
	}
	if blk, _ := pem.Decode(raw); blk != nil {
		raw = blk.Bytes
	}
	c, err := x509.ParseCertificate(raw)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return c, nil
}

// idpCreate serves POST /identity-providers → 201 + Location (spec addIDP); 409 on a taken name.
func (s *server) idpCreate(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuth(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var req idpRequest
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err == nil && strings.TrimSpace(req.Name) == "" {
		err = errors.New("identity provider name is required")
	}
	p := &idp{id: newUUID(), name: req.Name, description: req.Description, alias: req.Alias, issuerName: req.IdpIssuerName,
		image: req.Image, templateID: req.TemplateID, homeRealmIdentifier: req.HomeRealmIdentifier,
		isPrimary: req.IsPrimary, isFederationHub: req.IsFederationHub}
	if err == nil && req.Certificate != nil {
		p.jwksURI = req.Certificate.JwksURI
		for _, c := range req.Certificate.Certificates {
			cert, cerr := parseIdPCert(c)
			if cerr != nil {
				err = cerr
				break
			}
			p.certsB64 = append(p.certsB64, c)
			p.certs = append(p.certs, cert)
		}
	}
	if err != nil {
		apiError(w, http.StatusBadRequest, "IDP-60001", "Invalid input.", err.Error())
		return
	}
	g := s.gs
	g.mu.Lock()
	for _, o := range g.idps {
		if o.name == p.name {
			g.mu.Unlock()
			apiError(w, http.StatusConflict, "IDP-60003", "Identity Provider already exists.",
				"Identity Provider with the name "+p.name+" already exists.")
			return
		}
	}
	g.idps = append(g.idps, p)
	g.mu.Unlock()
	s.log.Info("org.wso2.carbon.idp.mgt.IdentityProviderManager", "Identity provider %s added", p.name)
	w.Header().Set("Location", s.baseURL()+idpPath+"/"+p.id)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(p.body())
}

// body is IdentityProviderResponse with the fields the simulator models. UNCONFIRMED (spec lists more
// nested objects): chose to omit claims, roles, groups, provisioning and implicitAssociation.
func (p *idp) body() []byte {
	pairs := []kv{{"id", p.id}, {"name", p.name}, {"description", p.description}}
	if p.templateID != "" {
		pairs = append(pairs, kv{"templateId", p.templateID})
	}
	pairs = append(pairs, kv{"isEnabled", true}, kv{"isPrimary", p.isPrimary}, kv{"image", p.image},
		kv{"isFederationHub", p.isFederationHub}, kv{"homeRealmIdentifier", p.homeRealmIdentifier})
	if p.jwksURI != "" {
		pairs = append(pairs, kv{"certificate", map[string]string{"jwksUri": p.jwksURI}})
	} else if len(p.certsB64) > 0 {
		pairs = append(pairs, kv{"certificate", map[string][]string{"certificates": p.certsB64}})
	}
	pairs = append(pairs, kv{"alias", p.alias}, kv{"idpIssuerName", p.issuerName},
		kv{"federatedAuthenticators", map[string]any{"defaultAuthenticatorId": "", "authenticators": []any{}}})
	return orderedJSON(pairs)
}

func (s *server) idpList(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuth(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	// getIDPs limit/offset (identity-providers-v1.yaml). UNCONFIRMED (spec gives no defaults): chose
	// every IdP when limit is absent, startIndex = offset+1 and no pagination links.
	q := r.URL.Query()
	offset, limit := atoiDefault(q.Get("offset"), 0), atoiDefault(q.Get("limit"), -1)
	g := s.gs
	g.mu.Lock()
	total := len(g.idps)
	items := []any{}
	for _, p := range pageOf(g.idps, offset, limit) {
		items = append(items, orderedRaw([]kv{{"id", p.id}, {"name", p.name}, {"description", p.description},
			{"isEnabled", true}, {"image", p.image}, {"isPrimary", p.isPrimary},
			{"self", "/t/carbon.super" + idpPath + "/" + p.id}}))
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(orderedJSON([]kv{{"totalResults", total}, {"startIndex", offset + 1}, {"count", len(items)},
		{"links", []any{}}, {"identityProviders", items}}))
}

func orderedRaw(pairs []kv) json.RawMessage { return json.RawMessage(orderedJSON(pairs)) }

func (s *server) idpByID(id string) *idp {
	s.gs.mu.Lock()
	defer s.gs.mu.Unlock()
	for _, p := range s.gs.idps {
		if p.id == id {
			return p
		}
	}
	return nil
}

func idpNotFound(w http.ResponseWriter, id string) {
	apiError(w, http.StatusNotFound, "IDP-60002", "Resource not found.",
		"Unable to find a resource matching the provided identity provider identifier "+id+".")
}

func (s *server) idpGet(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuth(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	p := s.idpByID(r.PathValue("id"))
	if p == nil {
		idpNotFound(w, r.PathValue("id"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(p.body())
}

func (s *server) idpDelete(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuth(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id := r.PathValue("id")
	g := s.gs
	g.mu.Lock()
	found := false
	for i, p := range g.idps {
		if p.id == id {
			g.idps = append(g.idps[:i], g.idps[i+1:]...)
			found = true
			break
		}
	}
	g.mu.Unlock()
	if !found {
		idpNotFound(w, id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// idpForIssuer is the jwt-bearer / token-exchange lookup (§4): IdP whose idpIssuerName equals iss,
// else whose name equals iss. The resident IdP is handled by the callers.
func (s *server) idpForIssuer(iss string) *idp {
	g := s.gs
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.idps {
		if p.issuerName != "" && p.issuerName == iss {
			return p
		}
	}
	for _, p := range g.idps {
		if p.name == iss {
			return p
		}
	}
	return nil
}
