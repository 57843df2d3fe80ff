package httpcall

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// DoBody is Do for a body that must go out exactly as given (API-M's notify endpoint dispatches on the raw
// text, and gateway checks send bodies that are deliberately not JSON). r.JSON, r.Form and r.Fields must be
// empty; a nil body sends none. Like Do, only transport errors fail.
func DoBody(ctx context.Context, c *http.Client, r Request, contentType string, body []byte) (*Response, error) {
	if r.JSON != nil || r.Form != nil || r.Fields != nil {
		return nil, fmt.Errorf("%s: DoBody takes the body as bytes, not in the request's JSON, Form or Fields", r.Op)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, rd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	if r.Auth != nil {
		r.Auth(req)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &Error{Op: r.Op, URL: r.URL, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, &Error{Op: r.Op, URL: r.URL, Err: fmt.Errorf("read response: %w", err)}
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}
