package checks

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// refusal is the gateway's first refusal of a token after a revocation.
type refusal struct {
	Answer  wso2am.GatewayAnswer
	Elapsed time.Duration
}

// awaitRefusal polls the gateway (the revocation interval, 10 ms by default) until it refuses the token,
// timed from since (just before the revoke call). A timeout ends the check with what IS says about the
// token and what kmconform can see of the notification path.
func awaitRefusal(c *C, path, token, what string, since time.Time) refusal {
	r, err := pollRefusal(c, path, token, what, since)
	if err != nil {
		c.Failf("the gateway still accepted %s after it was revoked at IS (%s; %v): the revocation notification did not reach API-M%s",
			what, introspectionView(c, token), err, notificationDiagnosis(c))
	}
	return r
}

// keyValidationRefusal reports whether a is the gateway's refusal from the key-validation (introspection)
// path: 401, 900901, "Invalid Credentials" and a description starting "Access failure for API".
func keyValidationRefusal(a wso2am.GatewayAnswer) bool {
	return refused(a, http.StatusUnauthorized, "900901", msgInvalidCredentials) && strings.HasPrefix(a.Description, revPrefixKeyValidation)
}

// introspectionView says what IS's introspection answers for a token, for failure messages.
func introspectionView(c *C, token string) string {
	in, err := c.Env.IS.Introspect(c.ctx, c.Env.Discovery.IntrospectionEndpoint, token)
	if err != nil {
		return "IS introspection could not be read: " + err.Error()
	}
	return fmt.Sprintf("IS introspection says active=%t", in.Active)
}

// expectInactiveAtIS asserts RFC 7662 §2.2: IS's introspection answers a revoked token with active:false.
func expectInactiveAtIS(c *C, token, what string) {
	in, err := c.Env.IS.Introspect(c.ctx, c.Env.Discovery.IntrospectionEndpoint, token)
	c.NoErr(err, "introspect %s at IS", what)
	if in.Active {
		c.Failf("IS introspection still says %s is active (client %s, token_type %s): IS did not revoke it", what, in.ClientID, in.TokenType)
	}
}

// expectActiveAtIS asserts that IS still holds a token active.
func expectActiveAtIS(c *C, token, what, why string) {
	in, err := c.Env.IS.Introspect(c.ctx, c.Env.Discovery.IntrospectionEndpoint, token)
	c.NoErr(err, "introspect %s at IS", what)
	if !in.Active {
		c.Failf("IS introspection says %s is inactive: %s", what, why)
	}
}

// notificationDiagnosis says what kmconform can see of the path from IS's interceptor to API-M's
// /internal/data/v1/notify — IS's applied token_revocation listener, the handler JAR in dropins, and the
// line IS logs when a send fails (its only trace: the sender is fire-and-forget and ignores the HTTP
// status: apim-km-wso2is EventSender). It reads the products' files only where the target gives access to them.
func notificationDiagnosis(c *C) string {
	e := c.Env
	if _, err := containers.ByAlias(e.Nodes, isAlias); err != nil {
		return "" // the target gives no access to IS's files: nothing to say
	}
	var notes []string
	if raw, err := nodeFile(c, isAlias, plan.ConfFile); err == nil {
		notes = append(notes, listenerFindings(raw)...)
	}
	if e.Plan != nil && e.Plan.JAR.Name != "" {
		if _, err := nodeFile(c, isAlias, plan.DropinsDir+e.Plan.JAR.Name); err != nil {
			notes = append(notes, "IS's "+plan.DropinsDir+" has no notification handler JAR ("+e.Plan.JAR.Name+"), so no listener class sends anything")
		}
	}
	if line := lastLogEntry([]byte(nodeLogs(c, isAlias)), "Error while sending Revocation Event"); line != "" {
		notes = append(notes, "IS logged \""+e.Redact(line)+"\" — the only trace of a failed notification, which IS never retries")
	}
	if len(notes) == 0 {
		return " — IS's listener, handler JAR and log show nothing wrong: either API-M dropped the event or the send failed without a trace (IS ignores the HTTP status of its notifications, apim-km-wso2is EventSender)"
	}
	return " — " + strings.Join(notes, "; ")
}

// listenerFindings checks IS's applied token_revocation listener against the documented block. It is not
// setup's listenerProblems: its wording is what the revocation checks' notifyProofs match ("names no event
// handler of API-M", "only … fires"), and it tolerates what setup reports on its own ("default" header,
// name, credentials).
func listenerFindings(raw []byte) []string {
	var doc struct {
		Listeners []map[string]any `toml:"event_listener"`
	}
	if err := toml.Unmarshal(raw, &doc); err != nil {
		return []string{"IS's deployment.toml does not parse: " + err.Error()}
	}
	var l map[string]any
	for _, x := range doc.Listeners {
		if x["name"] == plan.ListenerClass || x["id"] == "token_revocation" {
			l = x
			break
		}
	}
	if l == nil {
		return []string{"IS's deployment.toml has no token_revocation [[event_listener]] for " + plan.ListenerClass}
	}
	var out []string
	if t := fmt.Sprint(l["type"]); t != plan.ListenerType {
		out = append(out, fmt.Sprintf("IS's token_revocation listener has type %s: only %s fires (the OAuthEventInterceptor type never does)", t, plan.ListenerType))
	}
	if en, ok := l["enable"]; ok && fmt.Sprint(en) == "false" {
		out = append(out, "IS's token_revocation listener is disabled (enable = false)")
	}
	props, _ := l["properties"].(map[string]any)
	switch h := fmt.Sprint(props["header.X-WSO2-KEY-MANAGER"]); h {
	case plan.NotifyHeader, "default":
	case "<nil>":
		out = append(out, "IS's listener sends no X-WSO2-KEY-MANAGER header; API-M then uses its default handler")
	default:
		out = append(out, fmt.Sprintf("IS's listener sends X-WSO2-KEY-MANAGER: %s, which names no event handler of API-M: API-M answers 200 and drops the event (the documented value is %s)", h, plan.NotifyHeader))
	}
	if ep := fmt.Sprint(props["notification_endpoint"]); ep != plan.NotifyEndpoint {
		out = append(out, fmt.Sprintf("IS posts its notifications to %s, not to API-M's %s", ep, plan.NotifyEndpoint))
	}
	return out
}

// lastLogEntry is the last log line containing marker, with the line after it (Carbon logs the exception
// there).
func lastLogEntry(logs []byte, marker string) string {
	lines := bytes.Split(logs, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if bytes.Contains(lines[i], []byte(marker)) {
			entry := strings.TrimSpace(string(lines[i]))
			if i+1 < len(lines) {
				if next := strings.TrimSpace(string(lines[i+1])); next != "" && !startsLogLine(next) {
					entry += " " + next
				}
			}
			return entry
		}
	}
	return ""
}

// startsLogLine reports whether a line is a new Carbon log entry ("[2026-…] ", "TID: …").
func startsLogLine(s string) bool { return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "TID:") }
