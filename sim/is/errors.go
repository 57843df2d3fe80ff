package is

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// oauthError is an OAuth error response built like Oltu's OAuthASResponse (identity-server-7.md §4):
// {"error_description":"…","error":"…"}.
type oauthError struct {
	status      int
	code, desc  string
	wwwAuth     string // WWW-Authenticate value for 401 invalid_client
	contentType string // default application/json
}

func (e *oauthError) write(w http.ResponseWriter) {
	body := `{"error_description":` + jsonString(e.desc) + `,"error":` + jsonString(e.code) + `}`
	ct := e.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if e.wwwAuth != "" {
		w.Header().Set("WWW-Authenticate", e.wwwAuth)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(body))
}

func jsonString(s string) string {
	b, _ := marshal(s)
	return string(b)
}

// marshal is json.Marshal without HTML escaping (Jackson and Oltu do not escape <, > and &).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// orderedJSON writes an object with keys in the given order (Java DTOs keep declaration order).
type kv struct {
	k string
	v any
}

func orderedJSON(pairs []kv) []byte {
	out := []byte{'{'}
	for i, p := range pairs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, jsonString(p.k)...)
		out = append(out, ':')
		b, err := marshal(p.v)
		if err != nil {
			b = []byte("null")
		}
		out = append(out, b...)
	}
	return append(out, '}')
}
