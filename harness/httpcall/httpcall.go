// Package httpcall is how the harness speaks HTTP to the products: the client that reaches them by their
// in-network names through the run's CA, and the request/response layer both product clients share —
// build a request with credentials, read the whole answer, and turn an unexpected status into an error
// that says which call failed, what came back (redacted) and nothing secret.
package httpcall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
)

// Auth adds credentials to a request.
type Auth func(*http.Request)

// Basic authenticates with a user name and password (or client id and secret).
func Basic(user, password string) Auth {
	return func(r *http.Request) { r.SetBasicAuth(user, password) }
}

// Bearer authenticates with an access token.
func Bearer(token string) Auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// Request is one call.
type Request struct {
	Op      string // what the call does, for error messages, e.g. "register Key Manager"
	Method  string
	URL     string
	Auth    Auth
	JSON    any        // marshalled as application/json
	Form    url.Values // sent as application/x-www-form-urlencoded
	Fields  map[string]string
	Headers map[string]string
}

// Response is a whole answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Error is an answer with an unexpected status, or a transport failure.
type Error struct {
	Op     string
	URL    string
	Status int // 0 for transport errors
	Body   string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%s): %v", e.Op, e.URL, e.Err)
	}
	body := strings.TrimSpace(evidence.Redact(e.Body))
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	if body == "" {
		body = "(no body)"
	}
	return fmt.Sprintf("%s (%s): HTTP %d: %s", e.Op, e.URL, e.Status, body)
}

func (e *Error) Unwrap() error { return e.Err }

// Do sends the request and returns the response whatever its status; only transport errors fail.
func Do(ctx context.Context, c *http.Client, r Request) (*Response, error) {
	var body io.Reader
	contentType := ""
	switch {
	case r.JSON != nil:
		b, err := json.Marshal(r.JSON)
		if err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", r.Op, err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	case r.Form != nil:
		body, contentType = strings.NewReader(r.Form.Encode()), "application/x-www-form-urlencoded"
	case r.Fields != nil:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		keys := make([]string, 0, len(r.Fields))
		for k := range r.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := w.WriteField(k, r.Fields[k]); err != nil {
				return nil, fmt.Errorf("%s: encode form: %w", r.Op, err)
			}
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("%s: encode form: %w", r.Op, err)
		}
		body, contentType = &buf, w.FormDataContentType()
	}
	return send(ctx, c, r, contentType, body)
}

// send makes the call with a prepared body and reads the whole answer.
func send(ctx context.Context, c *http.Client, r Request, contentType string, body io.Reader) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Op, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if r.Auth != nil {
		r.Auth(req)
	}
	// After Auth, so that a caller can send its own Authorization.
	for k, v := range r.Headers {
		req.Header.Set(k, v)
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

// Expect sends the request and decodes a JSON answer into out (if non-nil) when the status is one of want.
func Expect(ctx context.Context, c *http.Client, r Request, out any, want ...int) (*Response, error) {
	resp, err := Do(ctx, c, r)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(want, resp.Status) {
		return resp, &Error{Op: r.Op, URL: r.URL, Status: resp.Status, Body: string(resp.Body)}
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, &Error{Op: r.Op, URL: r.URL, Status: resp.Status, Body: string(resp.Body),
				Err: fmt.Errorf("decode HTTP %d answer: %w", resp.Status, err)}
		}
	}
	return resp, nil
}
