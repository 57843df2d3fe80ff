// Package matrix knows the product versions kmconform can test, the facts about each version that the setup
// depends on, and what each cell (one IS version × one API-M version) is expected to support.
package matrix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"

	"github.com/kmconform/kmconform/fixtures"
)

// IS is one Identity Server version.
type IS struct {
	Version                  string `yaml:"version"`
	Image                    string `yaml:"image"`
	StoreType                string `yaml:"storeType"`
	PrimaryKeyStore          string `yaml:"primaryKeyStore"`
	TrustStore               string `yaml:"trustStore"`
	AuthorizeAllScopes       bool   `yaml:"authorizeAllScopes"`
	AllowSystemPrefixForRole bool   `yaml:"allowSystemPrefixForRole"`
	// JWKSKeys is how many keys IS's JWKS publishes with the GA pack's primary key store: one per
	// private-key entry (endpoints area).
	JWKSKeys int `yaml:"jwksKeys"`
}

// APIM is one API Manager version.
type APIM struct {
	Version             string   `yaml:"version"`
	Image               string   `yaml:"image"`
	Connector           string   `yaml:"connector"`
	ConnectorKeys       []string `yaml:"connectorKeys"`
	RolesCreation       bool     `yaml:"rolesCreation"`
	AuthenticationBlock bool     `yaml:"authenticationBlock"`
	// Docs is the documentation version whose "Configure WSO2 IS 7.x as a Key Manager" page the setup
	// follows (fixtures/docs/apim-<docs>-is7-endpoints.yaml), e.g. "4.5".
	Docs string `yaml:"docs"`
	// NotificationJar is the token-revocation handler JAR version that release's documentation names
	// (the download default; --notification-jar-version overrides it), NotificationJarSource where it says so.
	NotificationJar       string `yaml:"notificationJar"`
	NotificationJarSource string `yaml:"notificationJarSource"`
}

// Expectation says how one capability, one base setup step or one fixture behaves in the cells it
// matches. IS and APIM are version constraints: "*", "7.0.0", "<4.4.0", ">=7.1.0 <7.3.0".
type Expectation struct {
	IS         string `yaml:"is" json:"is"`
	APIM       string `yaml:"apim" json:"apim"`
	Capability string `yaml:"capability" json:"capability,omitempty"`
	// Setup names a base setup step (harness/setup) or a fixture (harness/fixture) known to fail in these
	// cells.
	Setup string `yaml:"setup" json:"setup,omitempty"`
	// Match is a text a known failure must contain: the failure must happen for its listed reason, a
	// different failure is a regression.
	Match  string `yaml:"match" json:"match,omitempty"`
	Status Status `yaml:"status" json:"status"`
	Reason string `yaml:"reason" json:"reason"`
	Link   string `yaml:"link" json:"link,omitempty"`
	// Source says where the fact comes from (documentation page, issue, commit).
	Source string `yaml:"source" json:"source,omitempty"`

	is, apim *semver.Constraints
}

// Matches reports whether the expectation applies to a cell's versions.
func (e Expectation) Matches(isVersion, apimVersion string) bool {
	return versionMatches(e.is, isVersion) && versionMatches(e.apim, apimVersion)
}

func versionMatches(c *semver.Constraints, v string) bool {
	if c == nil {
		return false
	}
	sv, err := semver.NewVersion(v)
	return err == nil && c.Check(sv)
}

// Status of a capability in a cell.
type Status string

// The statuses a capability can have in a cell.
const (
	Required     Status = "required"
	Unsupported  Status = "unsupported"
	KnownFailure Status = "known-failure"
)

// Matrix is the parsed matrix file.
type Matrix struct {
	IdentityServer []IS              `yaml:"identityServer"`
	APIManager     []APIM            `yaml:"apiManager"`
	Capabilities   map[string]string `yaml:"capabilities"`
	Expectations   []Expectation     `yaml:"expectations"`
}

// Default returns the matrix shipped in fixtures/matrix.yaml.
func Default() (*Matrix, error) {
	raw, err := fs.ReadFile(fixtures.FS, "matrix.yaml")
	if err != nil {
		return nil, fmt.Errorf("read embedded matrix: %w", err)
	}
	return Parse(raw, "fixtures/matrix.yaml")
}

// Parse reads and validates a matrix file; name is used in error messages. An error names the file, the
// line and the field, in one sentence (the first problem, and how many more there are).
func Parse(raw []byte, name string) (*Matrix, error) {
	var m Matrix
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("matrix file %s is not valid YAML: %s", name, yamlError(err, nil))
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("matrix file %s is not valid: %s", name, yamlError(err, &root))
	}
	if errs := m.validate(locator{&root}); len(errs) > 0 {
		more := ""
		if len(errs) > 1 {
			more = fmt.Sprintf(" (and %d more problems)", len(errs)-1)
		}
		return nil, fmt.Errorf("matrix file %s is not valid: %v%s", name, errs[0], more)
	}
	return &m, nil
}

// sections name the matrix file's lists in messages.
var sections = map[string]string{"identityServer": "identityServer entry", "apiManager": "apiManager entry", "expectations": "expectation"}

// yamlError turns the YAML library's error (several lines, Go type names) into one clause that names the
// line and the field.
func yamlError(err error, root *yaml.Node) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return strings.TrimPrefix(oneLine(err.Error()), "yaml: ")
	}
	msg := te.Errors[0]
	msg = strings.NewReplacer("type matrix.IS", "an identityServer entry", "type matrix.APIM", "an apiManager entry",
		"type matrix.Expectation", "an expectation", "type matrix.Matrix", "the matrix file", "matrix.Status", "a status").Replace(msg)
	var line int
	if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil && root != nil && !strings.Contains(msg, " field ") {
		if key := keyAtLine(root, line); key != "" {
			msg = strings.Replace(msg, ":", ": field "+key+":", 1)
		}
	}
	if len(te.Errors) > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", len(te.Errors)-1)
	}
	return msg
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// keyAtLine is the mapping key whose value sits on line, if any.
func keyAtLine(n *yaml.Node, line int) string {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i+1].Line == line && (n.Content[i+1].Kind == yaml.ScalarNode || n.Content[i].Line == line) {
				return n.Content[i].Value
			}
		}
	}
	for _, c := range n.Content {
		if k := keyAtLine(c, line); k != "" {
			return k
		}
	}
	return ""
}

// locator finds the line of an entry or field of the matrix file.
type locator struct{ root *yaml.Node }

// at says where entry i of a section (and a field of it, if given) is: "line 42: expectation 2, field apim".
func (l locator) at(section string, i int, field string) string {
	where := fmt.Sprintf("%s %d", sections[section], i+1)
	if field != "" {
		where += ", field " + field
	}
	if line := l.line(section, i, field); line > 0 {
		return fmt.Sprintf("line %d: %s", line, where)
	}
	return where
}

func (l locator) line(section string, i int, field string) int {
	if l.root == nil || len(l.root.Content) == 0 {
		return 0
	}
	top := l.root.Content[0]
	for k := 0; k+1 < len(top.Content); k += 2 {
		if top.Content[k].Value != section {
			continue
		}
		seq := top.Content[k+1]
		if i >= len(seq.Content) {
			return seq.Line
		}
		item := seq.Content[i]
		for f := 0; field != "" && f+1 < len(item.Content); f += 2 {
			if item.Content[f].Value == field {
				return item.Content[f].Line
			}
		}
		return item.Line
	}
	return 0
}

func (m *Matrix) validate(loc locator) []error {
	var errs []error
	if len(m.IdentityServer) == 0 || len(m.APIManager) == 0 {
		errs = append(errs, errors.New("it must list at least one identityServer and one apiManager version"))
	}
	for i, is := range m.IdentityServer {
		if is.Version == "" || is.Image == "" {
			field := map[bool]string{true: "version", false: "image"}[is.Version == ""]
			errs = append(errs, fmt.Errorf("%s: needs a version and an image", loc.at("identityServer", i, field)))
		}
		if is.StoreType != "JKS" && is.StoreType != "PKCS12" {
			errs = append(errs, fmt.Errorf("%s: storeType must be JKS or PKCS12, not %q", loc.at("identityServer", i, "storeType"), is.StoreType))
		}
	}
	for i, am := range m.APIManager {
		if am.Version == "" || am.Image == "" {
			field := map[bool]string{true: "version", false: "image"}[am.Version == ""]
			errs = append(errs, fmt.Errorf("%s: needs a version and an image", loc.at("apiManager", i, field)))
		}
	}
	for i := range m.Expectations {
		e := &m.Expectations[i]
		where := func(field string) string { return loc.at("expectations", i, field) }
		switch {
		case (e.Capability == "") == (e.Setup == ""):
			errs = append(errs, fmt.Errorf("%s: must name either a capability or a setup step (or fixture)", where("")))
		case e.Setup != "":
			if e.Status != KnownFailure {
				errs = append(errs, fmt.Errorf("%s: a setup step or fixture can only be a known-failure, not %q", where("status"), e.Status))
			}
		default:
			if _, ok := m.Capabilities[e.Capability]; !ok {
				errs = append(errs, fmt.Errorf("%s: unknown capability %q", where("capability"), e.Capability))
			}
			if e.Status != Unsupported && e.Status != KnownFailure {
				errs = append(errs, fmt.Errorf("%s: status must be unsupported or known-failure, not %q", where("status"), e.Status))
			}
		}
		if e.Status == KnownFailure && strings.TrimSpace(e.Match) == "" {
			errs = append(errs, fmt.Errorf("%s: a known-failure needs match, a text of the failure it expects (a different failure is a regression)", where("")))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: needs a reason", where("")))
		}
		var err error
		if e.is, err = m.constraint(e.IS, m.ISVersions()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where("is"), err))
		}
		if e.apim, err = m.constraint(e.APIM, m.APIMVersions()); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where("apim"), err))
		}
	}
	return errs
}

// constraint parses a version constraint and refuses one that matches no known version (a typo).
func (m *Matrix) constraint(expr string, known []string) (*semver.Constraints, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, errors.New(`a version or range is needed ("*" for every version)`)
	}
	c, err := semver.NewConstraint(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a version or range such as 7.0.0, <4.4.0 or >=7.1.0 <7.3.0: %v", expr, err)
	}
	for _, v := range known {
		if versionMatches(c, v) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%q matches none of the versions kmconform knows (%s)", expr, strings.Join(known, ", "))
}

func (m *Matrix) findIS(v string) *IS {
	for i := range m.IdentityServer {
		if m.IdentityServer[i].Version == v {
			return &m.IdentityServer[i]
		}
	}
	return nil
}

func (m *Matrix) findAPIM(v string) *APIM {
	for i := range m.APIManager {
		if m.APIManager[i].Version == v {
			return &m.APIManager[i]
		}
	}
	return nil
}

// ISVersions lists the known IS versions in file order.
func (m *Matrix) ISVersions() []string {
	var out []string
	for _, is := range m.IdentityServer {
		out = append(out, is.Version)
	}
	return out
}

// APIMVersions lists the known API-M versions in file order.
func (m *Matrix) APIMVersions() []string {
	var out []string
	for _, am := range m.APIManager {
		out = append(out, am.Version)
	}
	return out
}

// Cell is one IS version paired with one API-M version.
type Cell struct {
	IS           IS
	APIM         APIM
	Capabilities map[string]string
	// Profile is the Key Manager profile the cell runs with ("" for the default, WSO2 IS 7).
	Profile      string
	expectations []Expectation
}

// Name is the cell's folder name under reports/, e.g. is-7.1.0_apim-4.5.0, or is-7.1.0_apim-4.5.0_oidc
// for a cell of another Key Manager profile than the default.
func (c Cell) Name() string {
	n := "is-" + c.IS.Version + "_apim-" + c.APIM.Version
	if c.Profile != "" {
		n += "_" + c.Profile
	}
	return n
}

// WithProfile is the cell run with a Key Manager profile: its name carries the profile (unless it is the
// default) and the profile's own expectations come before the matrix's.
func (c Cell) WithProfile(name string, isDefault bool, es []Expectation) (Cell, error) {
	if !isDefault {
		c.Profile = name
	}
	var own []Expectation
	for i, e := range es {
		var err error
		if e.is, err = semver.NewConstraint(e.IS); err != nil {
			return c, fmt.Errorf("profile %s expectation %d: is %q: %v", name, i+1, e.IS, err)
		}
		if e.apim, err = semver.NewConstraint(e.APIM); err != nil {
			return c, fmt.Errorf("profile %s expectation %d: apim %q: %v", name, i+1, e.APIM, err)
		}
		if _, ok := c.Capabilities[e.Capability]; !ok {
			return c, fmt.Errorf("profile %s expectation %d: unknown capability %q", name, i+1, e.Capability)
		}
		if e.Matches(c.IS.Version, c.APIM.Version) {
			own = append(own, e)
		}
	}
	c.expectations = append(own, c.expectations...)
	return c, nil
}

// Cell returns the cell for two versions, or an error that lists the versions kmconform knows.
func (m *Matrix) Cell(isVersion, apimVersion string) (Cell, error) {
	is := m.findIS(isVersion)
	if is == nil {
		return Cell{}, fmt.Errorf("unknown IS version %q: kmconform knows %s", isVersion, strings.Join(m.ISVersions(), ", "))
	}
	am := m.findAPIM(apimVersion)
	if am == nil {
		return Cell{}, fmt.Errorf("unknown API-M version %q: kmconform knows %s", apimVersion, strings.Join(m.APIMVersions(), ", "))
	}
	c := Cell{IS: *is, APIM: *am, Capabilities: m.Capabilities}
	for _, e := range m.Expectations {
		if e.Matches(isVersion, apimVersion) {
			c.expectations = append(c.expectations, e)
		}
	}
	return c, nil
}

// Expect returns how a capability is expected to behave in this cell. An unknown capability name is a
// programming error in a spec and panics, so that a typo cannot silently turn a check off.
func (c Cell) Expect(capability string) Expectation {
	if _, ok := c.Capabilities[capability]; !ok {
		known := make([]string, 0, len(c.Capabilities))
		for k := range c.Capabilities {
			known = append(known, k)
		}
		slices.Sort(known)
		panic(fmt.Sprintf("spec needs unknown capability %q (known: %s)", capability, strings.Join(known, ", ")))
	}
	for _, e := range c.expectations {
		if e.Capability == capability {
			return e
		}
	}
	return Expectation{IS: c.IS.Version, APIM: c.APIM.Version, Capability: capability, Status: Required}
}

// ExpectSetup returns the known failure that explains a failed setup step or fixture, if the matrix
// lists one whose match the failure contains.
func (c Cell) ExpectSetup(step, failure string) (Expectation, bool) {
	for _, e := range c.expectations {
		if e.Setup == step && strings.Contains(failure, e.Match) {
			return e, true
		}
	}
	return Expectation{}, false
}

// KnownSetupFailure returns the cell's known failure of a setup step or fixture, whatever its match.
func (c Cell) KnownSetupFailure(step string) (Expectation, bool) {
	for _, e := range c.expectations {
		if e.Setup == step {
			return e, true
		}
	}
	return Expectation{}, false
}

// SetupExpectations lists the setup steps expected to fail in this cell.
func (c Cell) SetupExpectations() []Expectation {
	var out []Expectation
	for _, e := range c.expectations {
		if e.Setup != "" {
			out = append(out, e)
		}
	}
	return out
}
