package cellrun

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/setup"
)

// AttachCredentials is the credentials file of the attach target: the file 'kmconform up' writes (it has
// more entries, which the attach target ignores), or one a user writes for a staging pair.
type AttachCredentials struct {
	// ISAdmin is IS's administrator; for the oidc profile, optional Basic credentials the provider takes for
	// client registration and introspection.
	ISAdmin   setup.Credentials `json:"isAdmin"`
	APIMAdmin setup.Credentials `json:"apimAdmin"`
	// OIDC is the oidc profile's client at the provider (optional: without it the run registers one by DCR).
	OIDC *OIDCClient `json:"oidc,omitempty"`
	// Asgardeo is the asgardeo profile's organization and management application.
	Asgardeo *AsgardeoCredentials `json:"asgardeo,omitempty"`
	// Resolve maps host:port to the address to dial, for names this machine cannot resolve (kmconform up
	// writes the addresses of its nodes).
	Resolve map[string]string `json:"resolve,omitempty"`
}

// OIDCClient is a client of the provider (the oidc profile's credentials file entry "oidc").
type OIDCClient struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// AsgardeoCredentials are an Asgardeo organization and its management application (entry "asgardeo").
type AsgardeoCredentials struct {
	Organization string `json:"organization"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// ReadProfileCredentials reads and checks a credentials file for a profile: what it must hold depends on the
// profile and on whether an API-M is attached. Its errors never quote the file's content.
func ReadProfileCredentials(path string, prof *plan.Profile, apim bool) (*AttachCredentials, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the credentials file %s: give the file 'kmconform up' wrote, or one with isAdmin and apimAdmin", path)
	}
	var c AttachCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("the credentials file %s is not JSON: it needs isAdmin and apimAdmin, each with a username and a password", path)
	}
	need := map[string]setup.Credentials{}
	if apim {
		need["apimAdmin"] = c.APIMAdmin
	}
	if prof.Name == plan.DefaultProfile || prof.Name == "obkm" {
		need["isAdmin"] = c.ISAdmin
	}
	for what, cr := range need {
		if cr.Username == "" || cr.Password == "" {
			return nil, fmt.Errorf("the credentials file %s lacks %s.username or %s.password", path, what, what)
		}
	}
	if (c.ISAdmin.Username == "") != (c.ISAdmin.Password == "") {
		return nil, fmt.Errorf("the credentials file %s has isAdmin.username or isAdmin.password without the other", path)
	}
	if o := c.OIDC; o != nil && (o.ClientID == "" || o.ClientSecret == "") {
		return nil, fmt.Errorf("the credentials file %s has an oidc entry without clientId or clientSecret", path)
	}
	if prof.Name == "asgardeo" {
		if g := c.Asgardeo; g == nil || g.Organization == "" || g.ClientID == "" || g.ClientSecret == "" {
			return nil, fmt.Errorf("the credentials file %s needs asgardeo.organization, asgardeo.clientId and asgardeo.clientSecret (the organization and its management application) for the asgardeo profile", path)
		}
		if strings.ContainsAny(c.Asgardeo.Organization, "/?#") {
			return nil, fmt.Errorf("the credentials file %s names an Asgardeo organization that is not a single path segment", path)
		}
	}
	for hostPort, addr := range c.Resolve {
		if _, _, err := net.SplitHostPort(hostPort); err != nil {
			return nil, fmt.Errorf("the credentials file %s has a resolve entry %q that is not host:port", path, hostPort)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("the credentials file %s maps %s to %q, which is not host:port", path, hostPort, addr)
		}
	}
	return &c, nil
}

// ReadCA reads a PEM file of CA certificates.
func ReadCA(path string) (*x509.CertPool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA file %s: give the PEM file of the CA the products' certificates chain to ('kmconform up' writes one), or leave --ca out to trust the system's", path)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		return nil, fmt.Errorf("the CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// CheckProfileAttach checks an attach configuration for a profile before anything starts: the URLs, the
// credentials file and the CA. It fills the gateway URL when it was not given (API-M's host, port 8243).
// --apim-url is optional where the profile says so, and the oidc profile may name its provider by
// --discovery-url alone.
func CheckProfileAttach(a *Attach, prof *plan.Profile) error {
	if a.ISURL == "" && a.DiscoveryURL != "" {
		if u, err := url.Parse(a.DiscoveryURL); err == nil && u.Scheme == "https" && u.Host != "" {
			a.ISURL = "https://" + u.Host
		}
	}
	required := []struct{ flag, value string }{{"--is-url", a.ISURL}}
	if !prof.APIMOptional {
		required = append(required, struct{ flag, value string }{"--apim-url", a.APIMURL})
	}
	for _, u := range required {
		if u.value == "" {
			return fmt.Errorf("--target attach needs %s, e.g. https://is.example.com:9443", u.flag)
		}
	}
	if a.DiscoveryURL != "" {
		if prof.Name != "oidc" {
			return fmt.Errorf("--discovery-url names the provider of the oidc profile; the %s profile reads its documented discovery document", prof.Name)
		}
		if u, err := url.Parse(a.DiscoveryURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("--discovery-url %q must be the https URL of the provider's discovery document, e.g. https://id.example.com/.well-known/openid-configuration", a.DiscoveryURL)
		}
	}
	if a.APIMURL == "" {
		if a.GatewayURL != "" || a.ReuseKeyManager != "" || a.ReuseAPI != "" {
			return errors.New("--gateway-url, --reuse-key-manager and --reuse-api need --apim-url: without an API-M only the provider's own checks run")
		}
	}
	if a.Credentials == "" {
		return errors.New("--target attach needs --credentials FILE: the file 'kmconform up' wrote, or one with isAdmin and apimAdmin")
	}
	if a.GatewayURL == "" && a.APIMURL != "" {
		u, err := url.Parse(a.APIMURL)
		if err == nil {
			u.Host = net.JoinHostPort(u.Hostname(), "8243")
			a.GatewayURL = u.String()
		}
	}
	for _, u := range []struct{ flag, value string }{{"--is-url", a.ISURL}, {"--apim-url", a.APIMURL}, {"--gateway-url", a.GatewayURL}} {
		if u.value == "" {
			continue
		}
		p, err := url.Parse(u.value)
		if err != nil || p.Scheme != "https" || p.Host == "" || (p.Path != "" && p.Path != "/") {
			return fmt.Errorf("%s %q must be an https URL of the product's base, e.g. https://is.example.com:9443", u.flag, u.value)
		}
	}
	a.ISURL, a.APIMURL, a.GatewayURL = strings.TrimRight(a.ISURL, "/"), strings.TrimRight(a.APIMURL, "/"), strings.TrimRight(a.GatewayURL, "/")
	if a.BackendURL == "" {
		a.BackendURL = plan.BackendURL
	}
	if _, err := ReadProfileCredentials(a.Credentials, prof, a.APIMURL != ""); err != nil {
		return err
	}
	if a.CA != "" {
		if _, err := ReadCA(a.CA); err != nil {
			return err
		}
	}
	for _, p := range []*string{&a.Credentials, &a.CA} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return err
			}
			*p = abs
		}
	}
	return nil
}

// startAttached sets up a pair kmconform did not start: no nodes, no files; see setup.Attach.
func (s *Session) startAttached(ctx context.Context, progress io.Writer) error {
	o, err := s.Config.attachOptions(s.Cell, s.Checked.Profile)
	if err != nil {
		return err
	}
	if s.http, err = os.Create(filepath.Join(s.Config.ReportDir, "http-transcript.log")); err != nil {
		return fmt.Errorf("create transcript: %w", err)
	}
	a := s.Config.Attach
	apim := "API-M " + a.APIMURL
	if a.APIMURL == "" {
		apim = "no API-M (only the provider's own checks run)"
	}
	fmt.Fprintf(progress, "cell %s attached to %s and %s (no file access: checks that read the products' files are not applicable)\n",
		s.Cell.Name(), o.ISURL, apim)
	s.Plan = o.Plan
	o.Progress, o.Transcript, o.OnStep = progress, s.http, s.OnStep
	s.Env, s.undo, err = setup.Attach(ctx, o)
	return err
}

// attachOptions is the attach configuration as the setup takes it: credentials, CA and the profile's plan.
func (c Config) attachOptions(cell matrix.Cell, prof *plan.Profile) (setup.AttachOptions, error) {
	a := c.Attach
	if prof == nil {
		prof, _ = plan.ProfileNamed(c.Profile)
	}
	creds, err := ReadProfileCredentials(a.Credentials, prof, a.APIMURL != "")
	if err != nil {
		return setup.AttachOptions{}, err
	}
	var roots *x509.CertPool
	if a.CA != "" {
		if roots, err = ReadCA(a.CA); err != nil {
			return setup.AttachOptions{}, err
		}
	}
	p, err := plan.ForProfile(prof, cell, plan.JAR{})
	if err != nil {
		return setup.AttachOptions{}, err
	}
	o := setup.AttachOptions{
		Plan: p, ISURL: a.ISURL, APIMURL: a.APIMURL, GatewayURL: a.GatewayURL, Roots: roots, Resolve: creds.Resolve,
		ISAdmin: creds.ISAdmin, APIMAdmin: creds.APIMAdmin, ReuseKeyManager: a.ReuseKeyManager, ReuseAPI: a.ReuseAPI,
		BackendURL: a.BackendURL, WellKnown: a.DiscoveryURL,
	}
	if cl := creds.OIDC; cl != nil && prof.Name == "oidc" {
		o.Client = &setup.Credentials{Username: cl.ClientID, Password: cl.ClientSecret}
	}
	if g := creds.Asgardeo; g != nil && prof.Name == "asgardeo" {
		o.Asgardeo = &plan.AsgardeoOrg{Base: a.ISURL, Organization: g.Organization, ClientID: g.ClientID, ClientSecret: g.ClientSecret}
	}
	return o, nil
}

// CheckAttached looks at the attached pair before the run creates anything (setup.CheckAttach): a
// *setup.Refusal is bad input, another error a pair that does not answer.
func (c Config) CheckAttached(ctx context.Context, cell matrix.Cell) error {
	o, err := c.attachOptions(cell, nil)
	if err != nil {
		return err
	}
	return setup.CheckAttach(ctx, o)
}
