package wso2am

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// GatewayAnswer is what the gateway said to one call. Code, Message and Description are filled when the
// body is API-M's authentication-failure JSON, whose code is a string.
type GatewayAnswer struct {
	Status      int
	Code        string
	Message     string
	Description string
	Body        string
}

func (a GatewayAnswer) String() string {
	if a.Code != "" {
		return fmt.Sprintf("HTTP %d, code %s (%s: %s)", a.Status, a.Code, a.Message, a.Description)
	}
	body := strings.TrimSpace(evidence.Redact(a.Body))
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	if body == "" {
		return fmt.Sprintf("HTTP %d", a.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", a.Status, body)
}

// CallAPI calls a published API through the gateway with a bearer token (empty: no credentials).
func (c *Client) CallAPI(ctx context.Context, path, token string) (GatewayAnswer, error) {
	req := httpcall.Request{Op: "call API through the gateway", Method: http.MethodGet, URL: c.Gateway + path}
	if token != "" {
		req.Auth = httpcall.Bearer(token)
	}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return GatewayAnswer{}, err
	}
	a := GatewayAnswer{Status: resp.Status, Body: string(resp.Body)}
	var body struct {
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(resp.Body, &body) == nil && len(body.Code) > 0 {
		var s string
		if json.Unmarshal(body.Code, &s) != nil {
			s = string(body.Code) // a number where API-M sends a string: keep it visible
		}
		a.Code, a.Message, a.Description = s, body.Message, body.Description
	}
	return a, nil
}

// ResidentToken gets a client_credentials token from API-M's own token endpoint (the Resident Key Manager).
func (c *Client) ResidentToken(ctx context.Context, consumerKey, consumerSecret string) (string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "get a token from the Resident Key Manager", Method: http.MethodPost, URL: c.Base + "/oauth2/token",
		Form: url.Values{"grant_type": {"client_credentials"}}, Auth: httpcall.Basic(consumerKey, consumerSecret),
	}, &out, http.StatusOK)
	if err == nil && out.AccessToken == "" {
		err = fmt.Errorf("get a token from the Resident Key Manager: the answer has no access_token")
	}
	return out.AccessToken, err
}
