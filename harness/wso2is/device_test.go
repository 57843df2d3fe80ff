package wso2is

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDeviceFlowPendingThenToken(t *testing.T) {
	s := &loginIS{consent: true}
	c := startLoginIS(t, s)
	tokenEP := c.Base + "/oauth2/token"
	auth := PublicClient("cid")

	d, err := c.DeviceAuthorize(ctx(t), c.Base+"/oauth2/device_authorize", "cid", "openid")
	if err != nil {
		t.Fatal(err)
	}
	if d.DeviceCode != "dc-1" || d.UserCode != "USRCD1" || d.Interval != 5 || d.ExpiresIn != 600 ||
		d.VerificationURI != s.base+"/authenticationendpoint/device.do" || !strings.HasSuffix(d.VerificationURIComplete, "?user_code=USRCD1") {
		t.Errorf("device authorization = %+v", d)
	}

	// Before the user approves, IS answers authorization_pending.
	_, err = c.DeviceToken(ctx(t), tokenEP, auth, d.DeviceCode)
	var f *OAuthFailure
	if !errors.As(err, &f) || f.Status != 400 || f.Code != "authorization_pending" {
		t.Fatalf("first poll: %v", err)
	}

	approval, err := c.ApproveDevice(ctx(t), d, "alice", userPassword)
	if err != nil {
		t.Fatal(err)
	}
	wantTrail := []string{
		"POST /oauth2/device → 302 /oauth2/authorize",
		"GET /oauth2/authorize → 302 /authenticationendpoint/login.do",
		"POST /commonauth → 302 /oauth2/authorize",
		"GET /oauth2/authorize → 302 /authenticationendpoint/oauth2_consent.do",
		"POST /oauth2/authorize → 302 /authenticationendpoint/device_success.do",
	}
	if !approval.ConsentShown || strings.Join(approval.Trail, "\n") != strings.Join(wantTrail, "\n") {
		t.Errorf("approval = %+v", approval)
	}

	tok, poll, err := c.PollDeviceToken(ctx(t), tokenEP, auth, d.DeviceCode, time.Millisecond, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-device" || poll.Attempts != 1 || poll.Pending != 0 {
		t.Errorf("token %+v, poll %+v", tok, poll)
	}
	if s.tokenPolls != 2 {
		t.Errorf("IS saw %d token requests, want 2", s.tokenPolls)
	}
}

func TestDeviceFlowEndToEnd(t *testing.T) {
	s := &loginIS{}
	c := startLoginIS(t, s)
	tok, d, err := c.DeviceFlow(ctx(t), c.Base+"/oauth2/token", PublicClient("cid"), DeviceRequest{
		Endpoint: c.Base + "/oauth2/device_authorize", Scopes: []string{"openid"}, Username: "alice", Password: userPassword, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-device" || d.UserCode != "USRCD1" {
		t.Errorf("token %+v, authorization %+v", tok, d)
	}
}

func TestDeviceWrongUserCode(t *testing.T) {
	s := &loginIS{}
	c := startLoginIS(t, s)
	d, err := c.DeviceAuthorize(ctx(t), c.Base+"/oauth2/device_authorize", "cid")
	if err != nil {
		t.Fatal(err)
	}
	d.UserCode = "WRONG1"
	_, err = c.ApproveDevice(ctx(t), d, "alice", userPassword)
	var fe *FlowError
	if !errors.As(err, &fe) || fe.Flow != "device_code" || fe.Step != StepAuthorize || fe.OAuthError != "invalid.code" {
		t.Fatalf("err = %v", err)
	}
}

func TestDeviceAuthorizeWithoutClientID(t *testing.T) {
	c := startLoginIS(t, &loginIS{})
	_, err := c.DeviceAuthorize(ctx(t), c.Base+"/oauth2/device_authorize", "")
	var f *OAuthFailure
	if !errors.As(err, &f) || f.Status != 400 || f.Code != "invalid_request" || f.Description != "Missing parameters: client_id" {
		t.Fatalf("err = %v", err)
	}
}

// pollIS answers the device token request with a scripted sequence of errors, then a token.
func pollIS(t *testing.T, script []string) (*Client, *int) {
	n := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		i := n
		n++
		if i < len(script) {
			writeJSON(w, 400, `{"error_description":"x","error":"`+script[i]+`"}`)
			return
		}
		writeJSON(w, 200, `{"access_token":"at-late","token_type":"Bearer","expires_in":3600}`)
	})
	c, _ := fakeIS(t, mux)
	return c, &n
}

func TestPollDeviceToken(t *testing.T) {
	old := slowDownStep
	slowDownStep = time.Millisecond
	t.Cleanup(func() { slowDownStep = old })

	t.Run("pending then token", func(t *testing.T) {
		c, n := pollIS(t, []string{"authorization_pending", "slow_down", "authorization_pending"})
		tok, poll, err := c.PollDeviceToken(ctx(t), c.Base+"/oauth2/token", PublicClient("cid"), "dc", time.Millisecond, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != "at-late" || *poll != (DevicePoll{Attempts: 4, Pending: 2, SlowDown: 1}) || *n != 4 {
			t.Errorf("token %+v, poll %+v, requests %d", tok, poll, *n)
		}
	})
	t.Run("expired token stops at once", func(t *testing.T) {
		c, n := pollIS(t, []string{"authorization_pending", "expired_token"})
		_, poll, err := c.PollDeviceToken(ctx(t), c.Base+"/oauth2/token", PublicClient("cid"), "dc", time.Millisecond, time.Second)
		var f *OAuthFailure
		if !errors.As(err, &f) || f.Code != "expired_token" || poll.Attempts != 2 || *n != 2 {
			t.Fatalf("err %v, poll %+v", err, poll)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		c, _ := pollIS(t, []string{"authorization_pending", "authorization_pending", "authorization_pending", "authorization_pending"})
		_, poll, err := c.PollDeviceToken(ctx(t), c.Base+"/oauth2/token", PublicClient("cid"), "dc", 20*time.Millisecond, 50*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "still authorization_pending after 50ms") || poll.Attempts > 3 {
			t.Fatalf("err %v, poll %+v", err, poll)
		}
	})
}

func TestPollInterval(t *testing.T) {
	for in, want := range map[int64]time.Duration{0: 5 * time.Second, 5: 5 * time.Second, 5000: 5 * time.Second, 2: 2 * time.Second} {
		if got := (&DeviceAuthorization{Interval: in}).PollInterval(); got != want {
			t.Errorf("interval %d: %v, want %v", in, got, want)
		}
	}
}
