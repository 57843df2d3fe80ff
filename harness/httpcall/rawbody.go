package httpcall

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
)

// DoBody is Do for a body that must go out exactly as given (API-M's notify endpoint dispatches on the raw
// text, and gateway checks send bodies that are deliberately not JSON). r.JSON, r.Form and r.Fields must be
// empty; a nil body sends none. Like Do, only transport errors fail.
func DoBody(ctx context.Context, c *http.Client, r Request, contentType string, body []byte) (*Response, error) {
	if r.JSON != nil || r.Form != nil || r.Fields != nil {
		return nil, fmt.Errorf("%s: DoBody takes the body as bytes, not in the request's JSON, Form or Fields", r.Op)
	}
	if body == nil {
		return send(ctx, c, r, "", nil)
	}
	return send(ctx, c, r, contentType, bytes.NewReader(body))
}
