package wso2am

import (
	"context"
	"net/http"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// KeyManagerHeader selects API-M's notification handler: "WSO2-IS" (what IS 7 is told to send),
// "default", "TENANT_MANAGEMENT" (4.6+). An unknown value is a silent no-op that still answers 200.
const KeyManagerHeader = "X-WSO2-KEY-MANAGER"

// NoAuth sends no credentials, for checks of what an endpoint does without them.
var NoAuth httpcall.Auth = func(*http.Request) {}

// Notify posts an event to API-M's internal notify endpoint as a Key Manager does, with the
// X-WSO2-KEY-MANAGER header (left out when header is empty) and body sent byte for byte, since API-M picks
// the event type by substring. auth nil means Basic admin; NoAuth sends none. Any status is an answer: checks assert it.
func (c *Client) Notify(ctx context.Context, header string, body []byte, auth httpcall.Auth) (*httpcall.Response, error) {
	if auth == nil {
		auth = c.admin()
	}
	r := httpcall.Request{Op: "notify API-M", Method: http.MethodPost, URL: c.Base + NotifyPath, Auth: auth}
	if header != "" {
		r.Headers = map[string]string{KeyManagerHeader: header}
	}
	return httpcall.DoBody(ctx, c.HTTP, r, "application/json", body)
}
