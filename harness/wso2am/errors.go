package wso2am

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// RESTError is an answer of API-M's REST APIs (admin, publisher, devportal, the token endpoint) with a
// status the call did not expect, read from API-M's ErrorDTO so that checks can assert the exact status and
// code, e.g. 412/902015 for deleting a Key Manager in use. It wraps the *httpcall.Error, so errors.As finds
// either, and the transport details and redaction stay httpcall's.
type RESTError struct {
	Op     string
	Status int
	// Code is ErrorDTO.code: an int64 on the REST APIs (the gateway's string codes are in GatewayAnswer).
	// 0 when the body carries none.
	Code        int64
	Message     string
	Description string
	MoreInfo    string
	// Errors is ErrorDTO.error, the per-field list some validation errors carry.
	Errors []ErrorItem
	// OAuthError is the "error" of an OAuth 2.0 error body (the token endpoint answers in that shape).
	OAuthError string

	cause *httpcall.Error
}

// ErrorItem is one entry of ErrorDTO.error. The specs type its code as a string; a number is kept as text.
type ErrorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *RESTError) Error() string {
	if e.Code == 0 && e.Message == "" && e.Description == "" && e.OAuthError == "" && e.cause != nil {
		// Not an ErrorDTO: httpcall's message carries the (redacted) body.
		return e.cause.Error()
	}
	where := e.Op
	if e.cause != nil {
		where += " (" + e.cause.URL + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", where, e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.OAuthError != "" {
		fmt.Fprintf(&b, ", error %s", e.OAuthError)
	}
	for _, s := range []string{e.Message, e.Description} {
		if s = strings.TrimSpace(evidence.Redact(s)); s != "" {
			if len(s) > 400 {
				s = s[:400] + "…"
			}
			b.WriteString(": " + s)
		}
	}
	return b.String()
}

// Unwrap gives the *httpcall.Error (status, URL, redacted body), which setup code retries on.
func (e *RESTError) Unwrap() error {
	if e.cause == nil {
		return nil
	}
	return e.cause
}

// IsRESTError reports whether err is (or wraps) a RESTError with this status and ErrorDTO code; code 0
// matches any code.
func IsRESTError(err error, status int, code int64) bool {
	var re *RESTError
	return errors.As(err, &re) && re.Status == status && (code == 0 || re.Code == code)
}

// restError turns httpcall's unexpected-status error into a RESTError; transport and decoding errors (and
// nil) pass through unchanged.
func restError(err error) error {
	var he *httpcall.Error
	if !errors.As(err, &he) || he.Status == 0 || he.Err != nil {
		return err
	}
	return parseRESTError(he)
}

func parseRESTError(he *httpcall.Error) *RESTError {
	re := &RESTError{Op: he.Op, Status: he.Status, cause: he}
	var body struct {
		Code             json.RawMessage `json:"code"`
		Message          string          `json:"message"`
		Description      string          `json:"description"`
		MoreInfo         string          `json:"moreInfo"`
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if json.Unmarshal([]byte(he.Body), &body) != nil {
		return re
	}
	re.Code, _ = parseCode(body.Code)
	re.Message, re.Description, re.MoreInfo = body.Message, body.Description, body.MoreInfo
	raw := bytes.TrimSpace(body.Error)
	switch {
	case len(raw) > 0 && raw[0] == '[':
		var items []struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		}
		if json.Unmarshal(raw, &items) == nil {
			for _, it := range items {
				re.Errors = append(re.Errors, ErrorItem{Code: codeText(it.Code), Message: it.Message})
			}
		}
	case len(raw) > 0 && raw[0] == '"':
		// OAuth 2.0 error body: {"error":"invalid_grant","error_description":"…"}.
		_ = json.Unmarshal(raw, &re.OAuthError)
		if re.Description == "" {
			re.Description = body.ErrorDescription
		}
	}
	return re
}

// parseCode reads an ErrorDTO code: a JSON number per the specs, tolerated as a numeric string.
func parseCode(raw json.RawMessage) (int64, bool) {
	s := codeText(raw)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}

func codeText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return string(raw)
}
