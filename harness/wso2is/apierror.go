package wso2is

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// APIFailure is an answer of IS's server REST APIs (identity providers, API resources, the OAuth2 scopes
// API) other than the one the call expects: {"code","message","description","traceId"}, or only a status
// (401, 403, and HEAD answers carry no body).
type APIFailure struct {
	Op          string
	Status      int
	Code        string // e.g. IDP-60001
	Message     string
	Description string
	TraceID     string
	Body        []byte
}

func (f *APIFailure) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", f.Op, f.Status)
	if f.Code != "" {
		msg += " " + f.Code
	}
	for _, s := range []string{f.Message, f.Description} {
		if s != "" {
			msg += ": " + evidence.Redact(s)
		}
	}
	return msg
}

func apiFailure(op string, resp *httpcall.Response) *APIFailure {
	f := &APIFailure{Op: op, Status: resp.Status, Body: resp.Body}
	var body struct {
		Code        string `json:"code"`
		Message     string `json:"message"`
		Description string `json:"description"`
		TraceID     string `json:"traceId"`
	}
	if json.Unmarshal(resp.Body, &body) == nil {
		f.Code, f.Message, f.Description, f.TraceID = body.Code, body.Message, body.Description, body.TraceID
	}
	return f
}

// apiCall sends a server REST API request as the admin and decodes the answer into out when its status is
// one of want; any other status is an *APIFailure.
func (c *Client) apiCall(ctx context.Context, op, method, target string, body, out any, want ...int) (*httpcall.Response, error) {
	req := httpcall.Request{Op: op, Method: method, URL: target, JSON: body, Auth: c.admin()}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(want, resp.Status) {
		return resp, apiFailure(op, resp)
	}
	return resp, httpcall.Decode(req, resp, out)
}
