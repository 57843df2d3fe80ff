package wso2is

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
)

// IdPsPath is the identity providers REST API. The jwt-bearer, token-exchange and saml2-bearer grants
// trust an assertion's issuer only through an IdP registered here.
const IdPsPath = "/api/server/v1/identity-providers"

// IdPCertificate is how IS checks an IdP's signatures: certificates (each the base64 of a PEM certificate)
// or a JWKS URI.
type IdPCertificate struct {
	Certificates []string `json:"certificates,omitempty"`
	JWKSURI      string   `json:"jwksUri,omitempty"`
}

// IdP is an identity provider as IS returns it.
type IdP struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	IsEnabled     bool            `json:"isEnabled"`
	Alias         string          `json:"alias"`
	IdPIssuerName string          `json:"idpIssuerName"`
	Certificate   *IdPCertificate `json:"certificate"`
}

// NewIdP is an identity provider to create.
type NewIdP struct {
	Name        string
	Description string
	// Alias is the audience IS expects in the IdP's assertions ("Token Endpoint alias").
	Alias string
	// IdPIssuerName is matched against a JWT's iss before the IdP name is.
	IdPIssuerName string
	// CertificatesPEM are PEM certificates; each is sent base64-encoded, as IS stores them.
	CertificatesPEM [][]byte
	// JWKSURI is the alternative to certificates.
	JWKSURI string
	// Extra members merged into the request (e.g. federatedAuthenticators).
	Extra map[string]any
}

// CreateIdP creates an identity provider (201; 409 for a duplicate name).
func (c *Client) CreateIdP(ctx context.Context, p NewIdP) (*IdP, error) {
	body := map[string]any{"name": p.Name}
	for k, v := range map[string]string{"description": p.Description, "alias": p.Alias, "idpIssuerName": p.IdPIssuerName} {
		if v != "" {
			body[k] = v
		}
	}
	if len(p.CertificatesPEM) > 0 || p.JWKSURI != "" {
		cert := IdPCertificate{JWKSURI: p.JWKSURI}
		for _, pem := range p.CertificatesPEM {
			cert.Certificates = append(cert.Certificates, base64.StdEncoding.EncodeToString(pem))
		}
		body["certificate"] = cert
	}
	for k, v := range p.Extra {
		body[k] = v
	}
	var out IdP
	op := "create identity provider " + p.Name
	if _, err := c.apiCall(ctx, op, http.MethodPost, c.Base+IdPsPath, body, &out, http.StatusCreated); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, fmt.Errorf("%s: the answer has no id", op)
	}
	return &out, nil
}

// GetIdP reads an identity provider by id.
func (c *Client) GetIdP(ctx context.Context, id string) (*IdP, error) {
	var out IdP
	if _, err := c.apiCall(ctx, "read identity provider "+id, http.MethodGet, c.idpURL(id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteIdP deletes an identity provider (204).
func (c *Client) DeleteIdP(ctx context.Context, id string) error {
	_, err := c.apiCall(ctx, "delete identity provider "+id, http.MethodDelete, c.idpURL(id), nil, nil, http.StatusNoContent)
	return err
}

func (c *Client) idpURL(id string) string { return c.Base + IdPsPath + "/" + url.PathEscape(id) }
