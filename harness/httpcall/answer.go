package httpcall

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// Unexpected is the error for an answer whose status the caller did not expect: the body goes into the
// error (redacted when printed), so a failure message shows what the product said.
func Unexpected(r Request, resp *Response) *Error {
	return &Error{Op: r.Op, URL: r.URL, Status: resp.Status, Body: string(resp.Body)}
}

// Decode unmarshals a JSON answer into out; an empty body leaves out untouched. A body that is not the
// JSON the caller expects is an *Error that names the call.
func Decode(r Request, resp *Response, out any) error {
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &Error{Op: r.Op, URL: r.URL, Status: resp.Status, Body: string(resp.Body),
			Err: fmt.Errorf("decode HTTP %d answer: %w", resp.Status, err)}
	}
	return nil
}

// Location resolves the answer's Location header against the URL the request went to, as a browser
// would: products answer relative and absolute locations alike. It returns nil when there is none.
func Location(r Request, resp *Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil
	}
	base, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: parse request URL: %w", r.Op, err)
	}
	u, err := base.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("%s: parse Location header: %w", r.Op, err)
	}
	return u, nil
}
