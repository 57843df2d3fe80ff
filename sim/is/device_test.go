package is

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDeviceFlow: §4 device_code — device_authorize fields (user code alphabet/length, device.do URI,
// expires_in 600 / interval 5: UNCONFIRMED units, chose seconds), polling errors, and the user step.
// UNCONFIRMED (§4, UNCONFIRMED-8): the user step is POST /oauth2/device + /commonauth + consent, ending
// at device_success.do.
func TestDeviceFlow(t *testing.T) {
	s := startDefault(t, "7.2.0")
	id, secret := s.app("dev", "", grantDeviceCode)
	if r := s.form("/oauth2/device_authorize", url.Values{"scope": {"openid"}}, ""); r.status != 400 ||
		r.body != `{"error_description":"Missing parameters: client_id","error":"invalid_request"}` {
		t.Errorf("missing client_id: %d %s", r.status, r.body)
	}
	r := s.form("/oauth2/device_authorize", url.Values{"client_id": {id}, "scope": {"openid"}}, "")
	if r.status != 200 || !strings.HasPrefix(r.body, `{"device_code":`) {
		t.Fatalf("device_authorize: %d %s", r.status, r.body)
	}
	m := r.json(t)
	uc := m["user_code"].(string)
	if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz23456789]{6}$`).MatchString(uc) ||
		m["verification_uri"] != "https://localhost:9443/authenticationendpoint/device.do" ||
		m["verification_uri_complete"] != "https://localhost:9443/authenticationendpoint/device.do?user_code="+uc ||
		m["expires_in"] != float64(600) || m["interval"] != float64(5) {
		t.Errorf("device_authorize body %v", m)
	}
	dc := m["device_code"].(string)
	poll := url.Values{"grant_type": {grantDeviceCode}, "device_code": {dc}}
	expectGrantErr(t, "pending", s.token(id, secret, poll), 400, "authorization_pending", "Precondition required")
	expectGrantErr(t, "too fast", s.token(id, secret, poll), 400, "slow_down", "Forbidden")

	b := s.browser()
	if page := b.get("https://localhost:9443/authenticationendpoint/device.do?user_code=" + uc); !strings.Contains(page.body, `name="user_code"`) {
		t.Errorf("device.do page %s", page.body)
	}
	if bad := b.post("/oauth2/device", url.Values{"user_code": {"XXXXXX"}}); !strings.Contains(bad.header.Get("Location"), "device.do?error=") {
		t.Errorf("unknown user code: %q", bad.header.Get("Location"))
	}
	step := b.post("/oauth2/device", url.Values{"user_code": {uc}})
	consent := b.login(step.header.Get("Location"))
	if done := b.approve(consent, "approve"); !strings.HasPrefix(done, "https://localhost:9443/authenticationendpoint/device_success.do") {
		t.Fatalf("approval end %q", done)
	}
	real := s.s.now
	s.s.now = func() time.Time { return real().Add(6 * time.Second) }
	tok := s.token(id, secret, poll)
	if tok.status != 200 || tok.json(t)["access_token"] == nil {
		t.Fatalf("token after approval: %d %s", tok.status, tok.body)
	}
	expectGrantErr(t, "reuse", s.token(id, secret, poll), 400, "expired_token", "Forbidden")

	m2 := s.form("/oauth2/device_authorize", url.Values{"client_id": {id}}, "").json(t)
	s.s.now = func() time.Time { return real().Add(700 * time.Second) }
	expectGrantErr(t, "expired", s.token(id, secret, url.Values{"grant_type": {grantDeviceCode}, "device_code": {m2["device_code"].(string)}}),
		400, "expired_token", "Forbidden")
}
