package is

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/sim/faults"
)

// The IS revocation faults, each with and without it (identity-server-7.md §9).

func notifyingSimWith(t *testing.T, fault string) (*sim, chan received) {
	t.Helper()
	sink, ch := notifySink(t, nil)
	h := newHome(t, "7.1.0", listenerTOML(sink.URL+"/internal/data/v1/notify", handlerType, ""))
	addJAR(t, h, "wso2is.notification.event.handlers-2.1.3.jar", interceptorClass)
	opt := Options{}
	if fault != "" {
		opt.Faults = faults.Set{fault: true}
	}
	return start(t, "7.1.0", h, opt), ch
}

// §9 point 3: the refresh_token grant notifies the previous access token; the fault sends nothing, while
// the previous token still becomes inactive at IS.
func TestFaultNoRenewalEvent(t *testing.T) {
	for _, fault := range []string{"", "is-no-renewal-event"} {
		s, ch := notifyingSimWith(t, fault)
		id, secret := s.app("rf", "JWT", "password", "refresh_token")
		m := s.password(t, id, secret, "admin", "admin").json(t)
		if r := s.token(id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}}); r.status != 200 {
			t.Fatalf("refresh: %d %s", r.status, r.body)
		}
		if fault == "" {
			expectOne(t, ch)
		} else {
			expectNone(t, s, ch, "renewal under "+fault)
		}
		if r := s.introspect(m["access_token"].(string)); r.body != `{"active":false}` {
			t.Errorf("%q: the previous access token is still active: %s", fault, r.body)
		}
	}
}

// §9 point 2: a password change revokes the user's tokens and notifies each; the fault leaves them active.
func TestFaultPasswordChangeKeepsTokens(t *testing.T) {
	for _, fault := range []string{"", "is-password-change-keeps-tokens"} {
		s, ch := notifyingSimWith(t, fault)
		cid, secret := s.app("pw", "JWT", "password")
		uid := s.scimUser(t, "erin", "erin-pw")
		tok := s.password(t, cid, secret, "erin", "erin-pw").json(t)["access_token"].(string)
		r := s.adminSCIM("PATCH", usersPath+"/"+uid, map[string]any{"schemas": []string{scimPatchSchema},
			"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"password": "erin-pw2"}}}})
		if r.status != 200 {
			t.Fatalf("password change: %d %s", r.status, r.body)
		}
		if fault == "" {
			expectOne(t, ch)
			if r := s.introspect(tok); r.body != `{"active":false}` {
				t.Errorf("token active after the password change: %s", r.body)
			}
			continue
		}
		expectNone(t, s, ch, "password change under "+fault)
		if r := s.introspect(tok); !strings.Contains(r.body, `"active":true`) {
			t.Errorf("%s: token not active: %s", fault, r.body)
		}
		// Only the password path changes: a lock still revokes.
		s.adminSCIM("PATCH", usersPath+"/"+uid, map[string]any{"Operations": []map[string]any{{"op": "replace",
			"path": "urn:scim:wso2:schema:accountLocked", "value": true}}})
		expectOne(t, ch)
	}
}

// §6, §9 point 1: revoking a refresh token alone leaves the access token active and sends nothing; the
// fault sends a token_revocation event for the access token (still active at IS).
func TestFaultNotifyOnRefreshRevoke(t *testing.T) {
	for _, fault := range []string{"", "is-notify-on-refresh-revoke"} {
		s, ch := notifyingSimWith(t, fault)
		id, secret := s.app("rr", "JWT", "password", "refresh_token")
		m := s.password(t, id, secret, "admin", "admin").json(t)
		if r := s.form("/oauth2/revoke", url.Values{"token": {m["refresh_token"].(string)}, "token_type_hint": {"refresh_token"}}, basic(id, secret)); r.status != 200 {
			t.Fatalf("revoke: %d", r.status)
		}
		if fault == "" {
			expectNone(t, s, ch, "refresh-token revocation")
		} else {
			_, cl, _ := decodeJWT(t, m["access_token"].(string))
			if got := expectOne(t, ch); !strings.Contains(got.body, `"accessToken":"`+cl["jti"].(string)+`"`) {
				t.Errorf("fault event %s", got.body)
			}
		}
		if r := s.introspect(m["access_token"].(string)); !strings.Contains(r.body, `"active":true`) {
			t.Errorf("%q: access token not active after a refresh-token revoke: %s", fault, r.body)
		}
	}
}
