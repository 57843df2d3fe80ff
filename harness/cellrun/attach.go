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
	ISAdmin   setup.Credentials `json:"isAdmin"`
	APIMAdmin setup.Credentials `json:"apimAdmin"`
	// Resolve maps host:port to the address to dial, for names this machine cannot resolve (kmconform up
	// writes the addresses of its nodes).
	Resolve map[string]string `json:"resolve,omitempty"`
}

// ReadAttachCredentials reads and checks a credentials file. Its errors never quote the file's content.
func ReadAttachCredentials(path string) (*AttachCredentials, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the credentials file %s: give the file 'kmconform up' wrote, or one with isAdmin and apimAdmin", path)
	}
	var c AttachCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("the credentials file %s is not JSON: it needs isAdmin and apimAdmin, each with a username and a password", path)
	}
	for what, cr := range map[string]setup.Credentials{"isAdmin": c.ISAdmin, "apimAdmin": c.APIMAdmin} {
		if cr.Username == "" || cr.Password == "" {
			return nil, fmt.Errorf("the credentials file %s lacks %s.username or %s.password", path, what, what)
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

// CheckAttach checks an attach configuration before anything starts: the URLs, the credentials file and
// the CA. It fills the gateway URL when it was not given (API-M's host, port 8243).
func CheckAttach(a *Attach) error {
	for _, u := range []struct{ flag, value string }{{"--is-url", a.ISURL}, {"--apim-url", a.APIMURL}} {
		if u.value == "" {
			return fmt.Errorf("--target attach needs %s, e.g. https://is.example.com:9443", u.flag)
		}
	}
	if a.Credentials == "" {
		return errors.New("--target attach needs --credentials FILE: the file 'kmconform up' wrote, or one with isAdmin and apimAdmin")
	}
	if a.GatewayURL == "" {
		u, err := url.Parse(a.APIMURL)
		if err == nil {
			u.Host = net.JoinHostPort(u.Hostname(), "8243")
			a.GatewayURL = u.String()
		}
	}
	for _, u := range []struct{ flag, value string }{{"--is-url", a.ISURL}, {"--apim-url", a.APIMURL}, {"--gateway-url", a.GatewayURL}} {
		p, err := url.Parse(u.value)
		if err != nil || p.Scheme != "https" || p.Host == "" || (p.Path != "" && p.Path != "/") {
			return fmt.Errorf("%s %q must be an https URL of the product's base, e.g. https://is.example.com:9443", u.flag, u.value)
		}
	}
	a.ISURL, a.APIMURL, a.GatewayURL = strings.TrimRight(a.ISURL, "/"), strings.TrimRight(a.APIMURL, "/"), strings.TrimRight(a.GatewayURL, "/")
	if a.BackendURL == "" {
		a.BackendURL = plan.BackendURL
	}
	if _, err := ReadAttachCredentials(a.Credentials); err != nil {
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
	a := s.Config.Attach
	creds, err := ReadAttachCredentials(a.Credentials)
	if err != nil {
		return err
	}
	var roots *x509.CertPool
	if a.CA != "" {
		if roots, err = ReadCA(a.CA); err != nil {
			return err
		}
	}
	if s.http, err = os.Create(filepath.Join(s.Config.ReportDir, "http-transcript.log")); err != nil {
		return fmt.Errorf("create transcript: %w", err)
	}
	fmt.Fprintf(progress, "cell %s attached to IS %s and API-M %s (no file access: checks that read the products' files are not applicable)\n",
		s.Cell.Name(), a.ISURL, a.APIMURL)
	if s.Plan, err = plan.Documented(s.Cell, plan.JAR{}); err != nil {
		return err
	}
	s.Env, s.undo, err = setup.Attach(ctx, setup.AttachOptions{
		Plan: s.Plan, ISURL: a.ISURL, APIMURL: a.APIMURL, GatewayURL: a.GatewayURL, Roots: roots, Resolve: creds.Resolve,
		ISAdmin: creds.ISAdmin, APIMAdmin: creds.APIMAdmin, ReuseKeyManager: a.ReuseKeyManager, ReuseAPI: a.ReuseAPI,
		BackendURL: a.BackendURL, Progress: progress, Transcript: s.http, OnStep: s.OnStep,
	})
	return err
}

// CheckAttached looks at the attached pair before the run creates anything (setup.CheckAttach): a
// *setup.Refusal is bad input, another error a pair that does not answer.
func (c Config) CheckAttached(ctx context.Context, cell matrix.Cell) error {
	a := c.Attach
	creds, err := ReadAttachCredentials(a.Credentials)
	if err != nil {
		return err
	}
	var roots *x509.CertPool
	if a.CA != "" {
		if roots, err = ReadCA(a.CA); err != nil {
			return err
		}
	}
	p, err := plan.Documented(cell, plan.JAR{})
	if err != nil {
		return err
	}
	return setup.CheckAttach(ctx, setup.AttachOptions{
		Plan: p, ISURL: a.ISURL, APIMURL: a.APIMURL, GatewayURL: a.GatewayURL, Roots: roots, Resolve: creds.Resolve,
		ISAdmin: creds.ISAdmin, APIMAdmin: creds.APIMAdmin, ReuseKeyManager: a.ReuseKeyManager, ReuseAPI: a.ReuseAPI,
	})
}
