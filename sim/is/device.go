package is

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"time"
)

const grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// Device-flow constants (identity-server-7.md §4, OAUTH device Constants): user code alphabet and
// length, expiry 600000 ms, polling interval 5000 ms.
const (
	userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz23456789"
	userCodeLength   = 6
	deviceExpiry     = 600 * time.Second
	deviceInterval   = 5 * time.Second
)

// deviceGrant is one device authorization: PENDING until the user approves, then AUTHORIZED, then USED.
type deviceGrant struct {
	deviceCode, userCode, clientID string
	scopes                         []string
	expires, lastPoll              time.Time
	status                         string
	user                           string
}

// deviceAuthorize serves POST /oauth2/device_authorize (§4).
func (s *server) deviceAuthorize(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil || p.Get("client_id") == "" {
		(&oauthError{status: 400, code: "invalid_request", desc: "Missing parameters: client_id"}).write(w)
		return
	}
	s.mu.Lock()
	a := s.apps[p.Get("client_id")]
	s.mu.Unlock()
	if a == nil {
		// UNCONFIRMED (§4): the answer for an unknown client; chose the token endpoint's 401 invalid_client.
		s.invalidClient("A valid OAuth client could not be found for client_id: " + p.Get("client_id")).write(w)
		return
	}
	if !a.allows(grantDeviceCode) {
		// UNCONFIRMED (§4): chose the token endpoint's unauthorized_client for an app without the grant.
		(&oauthError{status: 400, code: "unauthorized_client",
			desc: "The authenticated client is not authorized to use this authorization grant type"}).write(w)
		return
	}
	d := &deviceGrant{
		deviceCode: newUUID(), userCode: newUserCode(), clientID: a.clientID, scopes: scopesOf(p.Get("scope")),
		expires: s.now().Add(deviceExpiry), status: "PENDING",
	}
	g := s.gs
	g.mu.Lock()
	for g.userCodes[d.userCode] != nil {
		d.userCode = newUserCode()
	}
	g.devices[d.deviceCode] = d
	g.userCodes[d.userCode] = d
	g.mu.Unlock()
	verify := s.baseURL() + "/authenticationendpoint/device.do"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// UNCONFIRMED (§4, UNCONFIRMED-8): units of expires_in and interval; chose seconds (RFC 8628) —
	// 600 and 5 from the 600000 ms / 5000 ms constants.
	_, _ = w.Write(orderedJSON([]kv{
		{"device_code", d.deviceCode}, {"user_code", d.userCode}, {"verification_uri", verify},
		{"verification_uri_complete", verify + "?user_code=" + url.QueryEscape(d.userCode)},
		{"expires_in", int64(deviceExpiry / time.Second)}, {"interval", int64(deviceInterval / time.Second)},
	}))
}

func newUserCode() string {
	var b [userCodeLength]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(b[:])
}

func devErr(code, desc string) *oauthError { return &oauthError{status: 400, code: code, desc: desc} }

// grantDevice polls a device code (§4, DeviceFlowGrant): expired_token after expiry, slow_down when
// polled faster than the interval, authorization_pending until approval.
func grantDevice(s *server, a *app, params url.Values) (*grantResult, *oauthError) {
	g := s.gs
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.devices[params.Get("device_code")]
	if d == nil || d.clientID != a.clientID {
		// UNCONFIRMED (§4): chose invalid_grant for an unknown device code.
		return nil, codeErr("Invalid device code")
	}
	now := s.now()
	if d.status == "USED" || !now.Before(d.expires) {
		// UNCONFIRMED (§4): a device code already exchanged; chose expired_token like an expired one.
		return nil, devErr("expired_token", "Forbidden")
	}
	if d.status == "PENDING" {
		last := d.lastPoll
		d.lastPoll = now
		if !last.IsZero() && now.Sub(last) < deviceInterval {
			return nil, devErr("slow_down", "Forbidden")
		}
		return nil, devErr("authorization_pending", "Precondition required")
	}
	d.status = "USED"
	delete(g.userCodes, d.userCode)
	return &grantResult{user: d.user, scopes: grantedScopes(d.scopes, false), issueRefresh: a.allows("refresh_token")}, nil
}

// pendingDevice returns the pending device grant of userCode for clientID, or nil.
func (s *server) pendingDevice(userCode, clientID string) *deviceGrant {
	g := s.gs
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.userCodes[userCode]
	if d == nil || d.clientID != clientID || d.status != "PENDING" || !s.now().Before(d.expires) {
		return nil
	}
	return d
}

var deviceTmpl = template.Must(template.New("device").Parse(`<!DOCTYPE html>
<html><head><title>WSO2 Identity Server</title></head><body>
{{if .Error}}<div id="error-msg">{{.Error}}</div>{{end}}
<form action="../oauth2/device" method="post" id="deviceForm">
<input id="user_code" name="user_code" type="text" value="{{.Code}}">
<button type="submit">Continue</button>
</form></body></html>
`))

// devicePage stands in for authenticationendpoint/device.do: the form asking for the user code.
func (s *server) devicePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	_ = deviceTmpl.Execute(w, struct{ Code, Error string }{q.Get("user_code"), q.Get("error")})
}

// deviceUserCode serves POST /oauth2/device (user_code). UNCONFIRMED (§4, UNCONFIRMED-8): how the user
// step is driven without a browser; chose IS's DeviceAuthzEndpoint shape: a known user code continues
// at /oauth2/authorize with response_type=device and the user code as nonce, i.e. the same login
// (/commonauth) and consent as the code flow, ending at device_success.do; an unknown one goes back to
// device.do?error=invalid.code.
func (s *server) deviceUserCode(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	code := p.Get("user_code")
	g := s.gs
	g.mu.Lock()
	d := g.userCodes[code]
	g.mu.Unlock()
	if err != nil || d == nil || d.status != "PENDING" || !s.now().Before(d.expires) {
		redirect(w, s.baseURL()+"/authenticationendpoint/device.do?error=invalid.code")
		return
	}
	q := url.Values{"client_id": {d.clientID}, "response_type": {"device"}, "nonce": {code}}
	if len(d.scopes) > 0 {
		q.Set("scope", joinSpace(d.scopes))
	}
	redirect(w, s.baseURL()+"/oauth2/authorize?"+q.Encode())
}

// approveDevice marks the device grant authorised for the logged-in user.
func (s *server) approveDevice(w http.ResponseWriter, sess *authzSession) {
	g := s.gs
	g.mu.Lock()
	ok := sess.device.status == "PENDING"
	if ok {
		sess.device.status, sess.device.user = "AUTHORIZED", sess.user
	}
	g.mu.Unlock()
	if !ok {
		redirect(w, s.baseURL()+"/authenticationendpoint/device.do?error=invalid.code")
		return
	}
	redirect(w, s.baseURL()+"/authenticationendpoint/device_success.do?app_name="+url.QueryEscape(sess.appName))
}

// denyDevice ends a denied device approval. UNCONFIRMED (§4): chose to leave the code pending (it
// expires) and show device.do with an error.
func (s *server) denyDevice(w http.ResponseWriter, _ *authzSession) {
	redirect(w, s.baseURL()+"/authenticationendpoint/device.do?error=access.denied")
}

func (s *server) deviceSuccessPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	_ = deviceDoneTmpl.Execute(w, r.URL.Query().Get("app_name"))
}

var deviceDoneTmpl = template.Must(template.New("done").Parse(`<!DOCTYPE html>
<html><head><title>WSO2 Identity Server</title></head><body>
<p id="device-success">You have successfully signed in to {{.}}. You can now close this window.</p></body></html>
`))
