package checks

import (
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/docs"
	"github.com/kmconform/kmconform/harness/faults"
	"github.com/kmconform/kmconform/harness/plan"
)

// renderedIS is IS's documented block of cell 7.1.0 × 4.5.0 with the given setup faults, parsed as the
// product would read it.
func renderedIS(t *testing.T, faultNames ...string) map[string]any {
	t.Helper()
	cell, err := defaultMatrix(t).Cell("7.1.0", "4.5.0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Documented(cell, plan.JAR{Name: "h.jar", Content: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range faultNames {
		fs, err := faults.Parse(n, faults.Setup)
		if err != nil {
			t.Fatal(err)
		}
		faults.Apply(p, fs, nil)
	}
	raw, err := p.ISBlockTOML()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseTOML(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// The documented block reads back clean; each listener or access-rule fault is named with the words the
// setup.deployment-toml check declares for it (the notify header and the listener type).
func TestAppliedBlockProblemsNameEachFault(t *testing.T) {
	doc := renderedIS(t)
	if p := append(listenerProblems(doc), scimMeRuleProblems(doc)...); len(p) > 0 {
		t.Fatalf("the documented block has problems: %v", p)
	}
	for _, proof := range setupDeploymentTOML.Faults {
		switch proof.Fault {
		case "no-authorize-all-scopes", "no-system-role-prefix":
			continue // read by the check body from other tables
		}
		doc := renderedIS(t, proof.Fault)
		got := strings.Join(append(listenerProblems(doc), scimMeRuleProblems(doc)...), "; ")
		if !strings.Contains(got, proof.Cause) {
			t.Errorf("fault %s: problems %q lack %q", proof.Fault, got, proof.Cause)
		}
	}
}

func TestTLSErrorLineFindsTheJVMsHandshakeFailure(t *testing.T) {
	logs := strings.Join([]string{
		"[2026-12-04 10:00:00,000]  INFO {org.wso2.carbon.core.internal.StartupFinalizerServiceComponent} - Server           :  WSO2 Identity Server-7.1.0",
		"[2026-12-04 10:00:01,000] ERROR {org.wso2.is.notification.EventSender} - Error while sending Revocation Event to https://wso2am:9443/internal/data/v1/notify",
		"javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
	}, "\n")
	if got := tlsErrorLine(logs, "wso2am"); !strings.Contains(got, "PKIX path building failed") || !strings.Contains(got, "wso2am:9443") {
		t.Errorf("tlsErrorLine = %q", got)
	}
	if got := tlsErrorLine(logs, "wso2is"); got != "" {
		t.Errorf("a failure towards wso2am was attributed to wso2is: %q", got)
	}
}

// The bundle line of sim/CONTRACT.md gives the loaded handler's name and version; the last start wins.
func TestHandlerBundleLine(t *testing.T) {
	logs := "x\n[t]  INFO {org.wso2.is.notification.internal.NotificationServiceComponent} - " + bundleStartText + "wso2is.notification.event.handlers 2.0.3\n" +
		"[t]  INFO {org.wso2.is.notification.internal.NotificationServiceComponent} - " + bundleStartText + "wso2is.notification.event.handlers 2.1.3\n"
	if got := handlerBundleLine(logs); got != "wso2is.notification.event.handlers 2.1.3" {
		t.Errorf("handlerBundleLine = %q", got)
	}
	if got := handlerBundleLine("nothing here"); got != "" {
		t.Errorf("handlerBundleLine of a log without the line = %q", got)
	}
}

// Connector configuration per API-M version (apim-km-wso2is WSO2IS7ConnectorConfiguration): required keys,
// documented values, the Authentication block from 4.6.
func TestConnectorProblems(t *testing.T) {
	m := defaultMatrix(t)
	for _, am := range m.APIManager {
		cell, err := m.Cell("7.1.0", am.Version)
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.Documented(cell, plan.JAR{Name: "h.jar", Content: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		tab, err := docs.Load(am.Docs)
		if err != nil {
			t.Fatal(err)
		}
		if got := connectorProblems(am.ConnectorKeys, am.AuthenticationBlock, tab, p.KeyManager); len(got) > 0 {
			t.Errorf("API-M %s: the documented payload has connector problems %v", am.Version, got)
		}
		if am.Version != "4.5.0" {
			continue
		}
		fs, _ := faults.Parse("roles-endpoint-v1", faults.Setup)
		faults.Apply(p, fs, nil)
		got := strings.Join(connectorProblems(am.ConnectorKeys, am.AuthenticationBlock, tab, p.KeyManager), "; ")
		if !strings.Contains(got, "connector key is7_roles_endpoint") {
			t.Errorf("roles v1 endpoint not named: %q", got)
		}
		delete(p.KeyManager.AdditionalProperties, "api_resource_management_endpoint")
		if got := strings.Join(connectorProblems(am.ConnectorKeys, am.AuthenticationBlock, tab, p.KeyManager), "; "); !strings.Contains(got, "api_resource_management_endpoint is missing") {
			t.Errorf("a missing required key is not named: %q", got)
		}
	}
}
