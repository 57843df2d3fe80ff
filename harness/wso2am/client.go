// Package wso2am is the harness's client of WSO2 API Manager 4.x: the admin v4 Key Manager API, publisher
// v4, devportal v3, the gateway, API-M's own (Resident Key Manager) token endpoint and the internal notify
// endpoint. The REST APIs are called with Basic admin credentials, which API-M accepts on /api/am/* by
// default. A REST answer with an unexpected status comes back as a *RESTError.
package wso2am

import (
	"context"
	"net/http"
	"strings"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// REST base paths of API-M 4.3–4.7.
const (
	AdminPath     = "/api/am/admin/v4"
	PublisherPath = "/api/am/publisher/v4"
	DevportalPath = "/api/am/devportal/v3"
	// HealthPath answers 200 once every API and gateway policy is deployed (what WSO2's own suite waits on).
	HealthPath = "/api/am/gateway/v2/server-startup-healthcheck"
	// NotifyPath is where Key Managers post events such as token revocations.
	NotifyPath = "/internal/data/v1/notify"
	// ResidentKeyManager is the name of API-M's built-in Key Manager.
	ResidentKeyManager = "Resident Key Manager"
	// ResidentTokenPath and ResidentJWKSPath are the Resident Key Manager's token endpoint and key set on
	// the servlet port.
	ResidentTokenPath = "/oauth2/token"
	ResidentJWKSPath  = "/oauth2/jwks"
)

// Client talks to one API-M.
type Client struct {
	HTTP *http.Client
	// Base is the servlet URL, e.g. https://wso2am:9443; Gateway is e.g. https://wso2am:8243.
	Base, Gateway            string
	AdminUser, AdminPassword string
}

// ErrorDTO is API-M's REST error body. Code is a number on the REST APIs; RESTError reads it tolerantly.
type ErrorDTO struct {
	Code        int64       `json:"code"`
	Message     string      `json:"message"`
	Description string      `json:"description"`
	MoreInfo    string      `json:"moreInfo,omitempty"`
	Error       []ErrorItem `json:"error,omitempty"`
}

func (c *Client) admin() httpcall.Auth { return httpcall.Basic(c.AdminUser, c.AdminPassword) }

// rest sends a REST call (Basic admin unless r.Auth is set) and turns an unexpected status into a
// *RESTError.
func (c *Client) rest(ctx context.Context, r httpcall.Request, out any, want ...int) (*httpcall.Response, error) {
	if r.Auth == nil {
		r.Auth = c.admin()
	}
	resp, err := httpcall.Expect(ctx, c.HTTP, r, out, want...)
	return resp, restError(err)
}

// RESTCall is the escape hatch for checks that need a REST call this package does not model: path is
// relative to Base (e.g. AdminPath+"/key-managers"), body (if non-nil) goes out as JSON, the answer is
// decoded into out (if non-nil) when its status is one of want, and any other status is a *RESTError.
func (c *Client) RESTCall(ctx context.Context, op, method, path string, body, out any, want ...int) (*httpcall.Response, error) {
	return c.rest(ctx, httpcall.Request{Op: op, Method: method, URL: c.Base + path, JSON: body}, out, want...)
}

// lastSegment is the id at the end of a Location header (API-M answers 202 workflows without a body id).
func lastSegment(location string) string {
	location = strings.TrimRight(location, "/")
	if i := strings.LastIndexByte(location, '/'); i >= 0 {
		return location[i+1:]
	}
	return location
}
