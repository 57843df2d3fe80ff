package wso2is

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// DeviceAuthorization is the device authorization endpoint's answer (RFC 8628 §3.2).
type DeviceAuthorization struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
	// Fields is every member of the answer.
	Fields map[string]any `json:"-"`
}

// PollInterval is how long to wait between token requests: Interval in seconds (RFC 8628), 5 s when IS
// sends none. IS keeps the interval as 5000 ms internally and whether it sends seconds or milliseconds is
// not documented, so a value of 1000 or more is read as milliseconds.
func (d *DeviceAuthorization) PollInterval() time.Duration {
	switch {
	case d.Interval <= 0:
		return 5 * time.Second
	case d.Interval >= 1000:
		return time.Duration(d.Interval) * time.Millisecond
	default:
		return time.Duration(d.Interval) * time.Second
	}
}

// DeviceAuthorize starts a device flow: POST /oauth2/device_authorize with client_id and scope. IS
// refuses a missing client_id with 400 invalid_request, returned as an *OAuthFailure.
func (c *Client) DeviceAuthorize(ctx context.Context, endpoint, clientID string, scopes ...string) (*DeviceAuthorization, error) {
	const op = "start a device flow at IS"
	form := url.Values{}
	if clientID != "" {
		form.Set("client_id", clientID)
	}
	scopeForm(form, scopes)
	req := httpcall.Request{Op: op, Method: http.MethodPost, URL: endpoint, Form: form}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, oauthFailure(op, resp)
	}
	var d DeviceAuthorization
	if err := httpcall.Decode(req, resp, &d); err != nil {
		return nil, err
	}
	if err := httpcall.Decode(req, resp, &d.Fields); err != nil {
		return nil, err
	}
	if d.DeviceCode == "" || d.UserCode == "" || d.VerificationURI == "" {
		return nil, fmt.Errorf("%s: the answer lacks device_code, user_code or verification_uri (members: %v)", op, sortedKeys(d.Fields))
	}
	return &d, nil
}

// DeviceApproval is how the user step ended.
type DeviceApproval struct {
	ConsentShown bool
	Trail        []string
}

// ApproveDevice is the user's side of a device flow: submit the user code as IS's device.do page does
// (POST /oauth2/device on the verification URI's host), then the same login and consent as the
// authorization_code flow, until IS shows device_success.do. Deviations are *FlowError values.
func (c *Client) ApproveDevice(ctx context.Context, d *DeviceAuthorization, username, password string) (*DeviceApproval, error) {
	const flow = "device_code"
	b, err := c.newBrowser(flow)
	if err != nil {
		return nil, err
	}
	verification, err := url.Parse(d.VerificationURI)
	if err != nil || verification.Host == "" {
		return nil, &FlowError{Flow: flow, Step: StepAuthorize, Reason: "verification_uri is not an absolute URL", Err: err}
	}
	b.origin = origin(verification)
	first, err := b.send(ctx, StepAuthorize, http.MethodPost, resolve(verification, "/oauth2/device"), url.Values{"user_code": {d.UserCode}})
	if err != nil {
		return nil, err
	}
	end, err := b.run(ctx, first, loginInput{username: username, password: password})
	if err != nil {
		return nil, err
	}
	return &DeviceApproval{ConsentShown: end.consentShown, Trail: end.trail}, nil
}

// DeviceToken makes one token request of a device flow (RFC 8628 §3.4). While the user has not approved,
// IS answers an *OAuthFailure with Code authorization_pending (or slow_down, expired_token).
func (c *Client) DeviceToken(ctx context.Context, tokenEndpoint string, auth ClientAuth, deviceCode string) (*Token, error) {
	form := url.Values{"grant_type": {GrantDeviceCode}, "device_code": {deviceCode}}
	return c.tokenRequest(ctx, "get a device_code token from IS", tokenEndpoint, auth, form)
}

// DevicePoll counts what polling saw.
type DevicePoll struct {
	Attempts, Pending, SlowDown int
}

// slowDownStep is RFC 8628 §3.5's increase of the interval after slow_down.
var slowDownStep = 5 * time.Second

// PollDeviceToken polls the token endpoint every interval until IS issues the token, refuses with anything
// but authorization_pending/slow_down (that *OAuthFailure is returned), or timeout passes (a timeout shorter
// than interval makes one attempt). slow_down adds five seconds to the interval, as RFC 8628 §3.5 asks.
func (c *Client) PollDeviceToken(ctx context.Context, tokenEndpoint string, auth ClientAuth, deviceCode string, interval, timeout time.Duration) (*Token, *DevicePoll, error) {
	poll := &DevicePoll{}
	deadline := time.Now().Add(timeout)
	for {
		poll.Attempts++
		t, err := c.DeviceToken(ctx, tokenEndpoint, auth, deviceCode)
		if err == nil {
			return t, poll, nil
		}
		var f *OAuthFailure
		if !errors.As(err, &f) {
			return nil, poll, err
		}
		switch f.Code {
		case "authorization_pending":
			poll.Pending++
		case "slow_down":
			poll.SlowDown++
			interval += slowDownStep
		default:
			return nil, poll, err
		}
		if time.Now().Add(interval).After(deadline) {
			return nil, poll, fmt.Errorf("get a device_code token from IS: still %s after %s (%d attempts)", f.Code, timeout, poll.Attempts)
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, poll, fmt.Errorf("get a device_code token from IS: %w", ctx.Err())
		case <-timer.C:
		}
	}
}

// DeviceRequest is a whole device flow.
type DeviceRequest struct {
	// Endpoint is discovery's device_authorization_endpoint.
	Endpoint           string
	Scopes             []string
	Username, Password string
	// Timeout bounds the polling after the user's approval; 0 means a minute.
	Timeout time.Duration
}

// DeviceFlow runs the device flow end to end: DeviceAuthorize with the client's id, ApproveDevice, then
// PollDeviceToken at the interval IS asked for.
func (c *Client) DeviceFlow(ctx context.Context, tokenEndpoint string, auth ClientAuth, r DeviceRequest) (*Token, *DeviceAuthorization, error) {
	d, err := c.DeviceAuthorize(ctx, r.Endpoint, auth.ClientID, r.Scopes...)
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.ApproveDevice(ctx, d, r.Username, r.Password); err != nil {
		return nil, d, err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	t, _, err := c.PollDeviceToken(ctx, tokenEndpoint, auth, d.DeviceCode, d.PollInterval(), timeout)
	return t, d, err
}
