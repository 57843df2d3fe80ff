package checks

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/docs"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/trust"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// What the setup checks read from the products themselves: applied configuration, dropins, trust stores,
// logs. Every read goes through nodeFile/nodeLogs, which fail softly when the cell has no such node.

const (
	isAlias = containers.ISAlias
	amAlias = containers.APIMAlias
)

// nodeFile reads a file of a product's home.
func nodeFile(c *C, alias, rel string) ([]byte, error) {
	n, err := containers.ByAlias(c.Env.Nodes, alias)
	if err != nil {
		return nil, err
	}
	return n.ReadFile(c.ctx, rel)
}

// nodeLogs is a product's console output ("" when it cannot be read).
func nodeLogs(c *C, alias string) string {
	n, err := containers.ByAlias(c.Env.Nodes, alias)
	if err != nil {
		return ""
	}
	b, err := n.Logs(c.ctx)
	if err != nil {
		return ""
	}
	return string(b)
}

func parseTOML(raw []byte) (map[string]any, error) {
	var doc map[string]any
	if err := toml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// appliedTOML is a product's deployment.toml as the node holds it, parsed; it ends the check when unreadable.
func appliedTOML(c *C, alias string) map[string]any {
	raw, err := nodeFile(c, alias, plan.ConfFile)
	c.NoErr(err, "read %s's applied %s", alias, plan.ConfFile)
	doc, err := parseTOML(raw)
	c.NoErr(err, "parse %s's applied %s", alias, plan.ConfFile)
	return doc
}

// tomlGet walks tables by key; nil when a key is missing.
func tomlGet(doc map[string]any, keys ...string) any {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// tables is an array of tables ([[x]]) as maps.
func tables(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// listenerProblems compares IS's token_revocation [[event_listener]] with the documented block, each
// difference worded as what it does to the notification.
func listenerProblems(is map[string]any) []string {
	var l map[string]any
	for _, m := range tables(is["event_listener"]) {
		if m["id"] == "token_revocation" || m["name"] == plan.ListenerClass {
			l = m
			break
		}
	}
	if l == nil {
		return []string{"IS's deployment.toml has no token_revocation [[event_listener]] (the " + plan.ListenerClass + " block), so IS notifies nobody"}
	}
	var out []string
	if l["type"] != plan.ListenerType {
		out = append(out, fmt.Sprintf("the token_revocation listener's type is %q, not %q: IS enables the interceptor only under the documented type, so it never fires (wso2/product-apim integration-v2 is7/deployment-overlay.toml)", l["type"], plan.ListenerType))
	}
	if l["name"] != plan.ListenerClass {
		out = append(out, fmt.Sprintf("the token_revocation listener's name is %q, not %q", l["name"], plan.ListenerClass))
	}
	if en, ok := l["enable"]; ok && en != true {
		out = append(out, fmt.Sprintf("the token_revocation listener has enable = %v", en))
	}
	props, _ := l["properties"].(map[string]any)
	if ep := props["notification_endpoint"]; ep != plan.NotifyEndpoint {
		out = append(out, fmt.Sprintf("notification_endpoint is %q, not API-M's %s under its in-network name", ep, plan.NotifyEndpoint))
	}
	if h := props["header.X-WSO2-KEY-MANAGER"]; h != plan.NotifyHeader {
		out = append(out, fmt.Sprintf(`'header.X-WSO2-KEY-MANAGER' = %q, not %q: API-M's /internal/data/v1/notify has no event handler of that type and answers 200 without acting on the revocation (wso2/product-apim#11274)`, h, plan.NotifyHeader))
	}
	if props["username"] == nil || props["password"] == nil {
		out = append(out, "the listener lacks username or password: the handler then sends nothing (its EventSender fails before sending)")
	}
	return out
}

// scimMeRuleProblems looks for the documented /scim2/Me [[resource.access_control]] entry.
func scimMeRuleProblems(is map[string]any) []string {
	for _, r := range tables(tomlGet(is, "resource", "access_control")) {
		if r["context"] != "(.*)/scim2/Me" {
			continue
		}
		var out []string
		if r["secure"] != true || r["http_method"] != "GET" || r["cross_tenant"] != true {
			out = append(out, fmt.Sprintf("the /scim2/Me access rule is secure=%v http_method=%v cross_tenant=%v, not true, GET, true", r["secure"], r["http_method"], r["cross_tenant"]))
		}
		for _, k := range []string{"permissions", "scopes"} {
			if l, ok := r[k].([]any); !ok || len(l) > 0 {
				out = append(out, fmt.Sprintf("the /scim2/Me access rule's %s is %v, not []", k, r[k]))
			}
		}
		return out
	}
	return []string{"IS's deployment.toml has no [[resource.access_control]] rule for (.*)/scim2/Me: a user token needs internal_login there, and API-M cannot read user claims"}
}

// sendErrors quotes IS's "Error while sending Revocation Event" lines, for a notification that went missing.
func sendErrors(c *C) string {
	var lines []string
	for _, l := range logLines(nodeLogs(c, isAlias)) {
		if strings.Contains(l, "Revocation Event") && strings.Contains(l, "ERROR") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "; IS's log shows no error sending the notification"
	}
	return "; IS's log: " + strings.Join(lines, " | ")
}

// tlsErrorLine is the first log line that reports a TLS failure towards host — the JVM's SSL exceptions
// (PKIX path building, peer not verified, host name mismatch) — with the exception line that follows a
// line naming the host.
func tlsErrorLine(logs, host string) string {
	isTLS := func(l string) bool {
		return strings.Contains(l, "SSLHandshakeException") || strings.Contains(l, "SSLPeerUnverifiedException") || strings.Contains(l, "PKIX")
	}
	lines := logLines(logs)
	for i, l := range lines {
		switch {
		case strings.Contains(l, host) && isTLS(l):
			return strings.TrimSpace(l)
		case strings.Contains(l, host) && i+1 < len(lines) && isTLS(lines[i+1]):
			return strings.TrimSpace(l + " " + lines[i+1])
		}
	}
	return ""
}

func logLines(logs string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// bundleStartText is how IS's log says the handler bundle started and registered the interceptor.
// UNCONFIRMED (sim/CONTRACT.md): the bundle's component logs nothing at INFO in apim-km-wso2is 2.x; this is
// the most likely wording, shared with the simulator through the contract.
const bundleStartText = "OAuth event interceptor " + plan.ListenerClass + " registered by bundle "

// handlerBundleLine returns "<symbolic name> <version>" of the last handler-bundle start in the log ("" if none).
func handlerBundleLine(logs string) string {
	found := ""
	for _, l := range logLines(logs) {
		if _, rest, ok := strings.Cut(l, bundleStartText); ok {
			found = strings.TrimSpace(rest)
		}
	}
	return found
}

// bundleFailureLine returns the first log line in which OSGi reports that a dropins bundle (named by its
// JAR or by the handler's package) could not be resolved or started ("" if none).
func bundleFailureLine(logs, jarName string) string {
	for _, l := range logLines(logs) {
		failed := strings.Contains(l, "Could not resolve") || strings.Contains(l, "BundleException") || strings.Contains(l, "Unresolved")
		if failed && (strings.Contains(l, jarName) || strings.Contains(l, "org.wso2.is.notification") || strings.Contains(l, "wso2is.notification.event.handlers")) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// docsTable is the documented endpoint table of the cell's API-M release.
func docsTable(c *C) *docs.Table {
	t, err := docs.Load(c.Env.Cell.APIM.Docs)
	c.NoErr(err, "load the documented endpoint table of API-M %s", c.Env.Cell.APIM.Version)
	return t
}

// connectorProblems checks the connector configuration for the API-M version (the connector's own
// configuration keys per release): each
// key its connector requires, the documented endpoint values, and the Authentication block from 4.6.
func connectorProblems(required []string, authBlock bool, tab *docs.Table, km *wso2am.KeyManager) []string {
	var out []string
	props := km.AdditionalProperties
	for _, k := range required {
		if v, ok := props[k]; !ok || v == nil || v == "" {
			out = append(out, fmt.Sprintf("connector key %s is missing (the connector of this API-M version requires it)", k))
		}
	}
	for k, printed := range tab.Connector {
		if !slices.Contains(required, k) {
			continue // not a key this version's connector reads
		}
		want := tab.Rebase(printed, plan.ISBase)
		if v, ok := props[k]; ok && v != want {
			out = append(out, fmt.Sprintf("connector key %s is %v; the documentation gives %s (%s under IS's network name)", k, v, printed, want))
		}
	}
	if authBlock && props["Authentication"] != "BasicAuth" {
		out = append(out, fmt.Sprintf("connector key Authentication is %v, not BasicAuth (the Username/Password the documentation gives are for Basic Auth)", props["Authentication"]))
	}
	return out
}

// trustPair is one product's trust store and a served TLS certificate it must verify for a name.
type trustPair struct {
	product, store string
	storeType      string
	peer           string // in-network name whose certificate is verified
}

// trustPairs: API-M calls IS (DCR, JWKS, introspection, discover) and itself (gateway, internal APIs);
// IS posts notifications to API-M and calls its own REST APIs by its hostname (WSO2's integration-v2 IS 7 plan).
func trustPairs(c *C) []trustPair {
	e := c.Env
	return []trustPair{
		{"API-M", plan.SecurityDir + plan.APIMTrustStoreFile, e.Plan.APIM.StoreType, isAlias},
		{"API-M", plan.SecurityDir + plan.APIMTrustStoreFile, e.Plan.APIM.StoreType, amAlias},
		{"IS", plan.SecurityDir + e.Cell.IS.TrustStore, e.Cell.IS.StoreType, amAlias},
		{"IS", plan.SecurityDir + e.Cell.IS.TrustStore, e.Cell.IS.StoreType, isAlias},
	}
}

func productName(alias string) string {
	if alias == isAlias {
		return "IS"
	}
	return "API-M"
}

// verify reads the store from the product's node and the peer's served chain over TLS, and verifies the
// chain against the store for the peer's in-network name, as a JVM client with host name checks would.
func (p trustPair) verify(c *C) error {
	owner := map[string]string{"API-M": amAlias, "IS": isAlias}[p.product]
	raw, err := nodeFile(c, owner, p.store)
	if err != nil {
		return fmt.Errorf("%s's trust store %s cannot be read: %v", p.product, p.store, err)
	}
	st, err := trust.ParseStoreType(p.storeType)
	if err != nil {
		return err
	}
	certs, err := trust.TrustedCerts(st, raw, plan.StorePassword)
	if err != nil {
		return fmt.Errorf("%s's trust store %s cannot be opened: %v", p.product, p.store, err)
	}
	chain, err := servedChain(c, p.peer)
	if err != nil {
		return fmt.Errorf("read %s's TLS certificate: %v", p.peer, err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, cert := range certs {
		roots.AddCert(cert)
	}
	for _, cert := range chain[1:] {
		inter.AddCert(cert)
	}
	_, err = chain[0].Verify(x509.VerifyOptions{DNSName: p.peer, Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err == nil {
		return nil
	}
	who := "does not trust " + productName(p.peer)
	if p.product == productName(p.peer) {
		who = "does not trust itself"
	}
	return fmt.Errorf("%s %s: %s (%d certificates) does not verify the TLS certificate %s serves for %s (%v)",
		p.product, who, p.store, len(certs), productName(p.peer), p.peer, err)
}

// servedChain is the certificate chain a product serves on 9443, read with a TLS handshake that does not
// verify it (the trust stores verify it afterwards).
func servedChain(c *C, alias string) ([]*x509.Certificate, error) {
	n, err := containers.ByAlias(c.Env.Nodes, alias)
	if err != nil {
		return nil, err
	}
	addr, err := n.Addr(c.ctx, 9443)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{ServerName: alias, InsecureSkipVerify: true}} //nolint:gosec // verified against the product's trust store below
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	chain := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(chain) == 0 {
		return nil, fmt.Errorf("%s served no certificate", alias)
	}
	return chain, nil
}

// randomSuffix is n random lowercase hex digits that make a created name unique; each caller keeps the
// length its names always had (8 for setup and roles, 10 for the endpoint checks).
func randomSuffix(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
