package checks

import (
	"strings"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var s []time.Duration
	for _, ms := range []int{9, 1, 8, 2, 7, 3, 6, 4, 5, 10} {
		s = append(s, time.Duration(ms)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 5 * time.Millisecond, 95: 10 * time.Millisecond, 100: 10 * time.Millisecond, 1: time.Millisecond} {
		if got := percentile(s, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if s[0] != 9*time.Millisecond {
		t.Error("percentile sorted the caller's slice")
	}
	if got := latencyMs(1500 * time.Microsecond); got != 1.5 {
		t.Errorf("latencyMs = %v", got)
	}
}

const documentedListener = `
[[event_listener]]
id = "token_revocation"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name = "org.wso2.is.notification.ApimOauthEventInterceptor"
order = 1

[event_listener.properties]
notification_endpoint = "https://wso2am:9443/internal/data/v1/notify"
username = "${admin.username}"
password = "${admin.password}"
'header.X-WSO2-KEY-MANAGER' = "WSO2-IS"
`

// The diagnosis names each documented-block mistake (header, listener type, credentials) and nothing for the
// block itself.
func TestListenerFindings(t *testing.T) {
	if got := listenerFindings([]byte(documentedListener)); len(got) != 0 {
		t.Errorf("the documented block: %v", got)
	}
	for mistake, want := range map[string]string{
		`"WSO2-IS"`: "names no event handler of API-M",
		`"org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"`: "only org.wso2.carbon.identity.core.handler.AbstractIdentityHandler fires",
		`"https://wso2am:9443/internal/data/v1/notify"`:                   "not to API-M's https://wso2am:9443/internal/data/v1/notify",
	} {
		bad := strings.Replace(documentedListener, mistake, `"something-else"`, 1)
		if got := strings.Join(listenerFindings([]byte(bad)), "; "); !strings.Contains(got, want) {
			t.Errorf("replacing %s: %q, want %q", mistake, got, want)
		}
	}
	if got := listenerFindings([]byte("[server]\nhostname = \"wso2is\"\n")); len(got) != 1 || !strings.Contains(got[0], "no token_revocation [[event_listener]]") {
		t.Errorf("no listener: %v", got)
	}
}

func TestLastLogEntryKeepsTheException(t *testing.T) {
	logs := "[2026-12-04 10:00:00,000] ERROR {org.wso2.is.notification.EventSender} - Error while sending Revocation Event to https://a\n" +
		"java.net.ConnectException: Connection refused\n" +
		"[2026-12-04 10:00:01,000]  INFO {x} - later\n" +
		"[2026-12-04 10:00:02,000] ERROR {org.wso2.is.notification.EventSender} - Error while sending Revocation Event to https://b\n" +
		"[2026-12-04 10:00:03,000]  INFO {x} - next entry\n"
	got := lastLogEntry([]byte(logs), "Error while sending Revocation Event")
	if !strings.HasSuffix(got, "to https://b") {
		t.Errorf("last entry = %q", got)
	}
	got = lastLogEntry([]byte(strings.Join(strings.Split(logs, "\n")[:3], "\n")), "Error while sending Revocation Event")
	if !strings.HasSuffix(got, "java.net.ConnectException: Connection refused") {
		t.Errorf("entry with its exception = %q", got)
	}
	if lastLogEntry([]byte("nothing"), "Error") != "" {
		t.Error("found a missing entry")
	}
}

func TestTOMLSeconds(t *testing.T) {
	for v, want := range map[any]time.Duration{int64(15): 15 * time.Second, "900s": 900 * time.Second, "15m": 15 * time.Minute, "20": 20 * time.Second, 1.5: 1500 * time.Millisecond} {
		if got, err := tomlSeconds(v); err != nil || got != want {
			t.Errorf("%v: %v %v, want %v", v, got, err, want)
		}
	}
	if _, err := tomlSeconds(true); err == nil {
		t.Error("a boolean was read as seconds")
	}
}
