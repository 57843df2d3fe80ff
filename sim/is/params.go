package is

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// readParams reads the request parameters: form-encoded (query and body, as a servlet merges them) or
// a JSON object body, which the token endpoint converts to parameters (identity-server-7.md §4).
func readParams(r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		vals := r.URL.Query()
		var m map[string]any
		dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("malformed JSON body: %w", err)
		}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				vals.Add(k, x)
			case json.Number:
				vals.Add(k, x.String())
			case bool:
				vals.Add(k, fmt.Sprint(x))
			case []any:
				for _, e := range x {
					vals.Add(k, fmt.Sprint(e))
				}
			}
		}
		return vals, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("malformed form body: %w", err)
	}
	return r.Form, nil
}

// repeated reports whether any parameter appears more than once.
func repeated(v url.Values) bool {
	for _, vs := range v {
		if len(vs) > 1 {
			return true
		}
	}
	return false
}

// scopesOf splits a space-separated scope parameter.
func scopesOf(s string) []string { return strings.Fields(s) }
