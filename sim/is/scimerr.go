package is

import (
	"net/http"
	"strconv"
	"strings"
)

// SCIM 2 (charon) message schemas.
const (
	scimErrorSchema  = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimListSchema   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchSchema  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimSearchSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	scimContentType  = "application/scim+json"
)

// scimError writes a SCIM error {schemas, scimType, detail, status} (identity-server-7.md §8). An empty
// scimType or detail is left out. UNCONFIRMED (§8): key order and "status" as a string; chose charon's
// rendering as commonly seen ("status":"409").
func scimError(w http.ResponseWriter, status int, scimType, detail string) {
	pairs := []kv{{"schemas", []string{scimErrorSchema}}}
	if scimType != "" {
		pairs = append(pairs, kv{"scimType", scimType})
	}
	if detail != "" {
		pairs = append(pairs, kv{"detail", detail})
	}
	pairs = append(pairs, kv{"status", strconv.Itoa(status)})
	w.Header().Set("Content-Type", scimContentType)
	w.WriteHeader(status)
	_, _ = w.Write(orderedJSON(pairs))
}

func scimNotFound(w http.ResponseWriter) {
	scimError(w, http.StatusNotFound, "", "Specified resource (e.g., User) or endpoint does not exist.")
}

// decodeSCIM reads a JSON request body into v; a body that does not decode is answered 400 invalidSyntax
// and reported false.
func decodeSCIM(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := decodeBody(r, v); err != nil {
		scimUnparsable(w)
		return false
	}
	return true
}

func scimUnparsable(w http.ResponseWriter) {
	scimError(w, http.StatusBadRequest, "invalidSyntax", "Request is unparsable, syntactically incorrect, or violates schema.")
}

// decodePatch reads a PatchOp body; one without operations is unparsable like one that does not decode.
func decodePatch(w http.ResponseWriter, r *http.Request) (patchRequest, bool) {
	var req patchRequest
	if err := decodeBody(r, &req); err != nil || len(req.Operations) == 0 {
		scimUnparsable(w)
		return req, false
	}
	return req, true
}

// lockFound takes the management lock and looks up the resource named by the {id} path value. When
// there is none it releases the lock, answers the SCIM 404 and returns nil; otherwise the caller holds
// m.mu and must release it.
func lockFound[T any](w http.ResponseWriter, r *http.Request, m *mgmt, find func(id string) *T) *T {
	m.mu.Lock()
	v := find(r.PathValue("id"))
	if v == nil {
		m.mu.Unlock()
		scimNotFound(w)
	}
	return v
}

func writeSCIM(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", scimContentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// patchOp is one SCIM PatchOp operation. Value stays raw: its shape depends on path.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// patchRequest is a PatchOp body. API-M's connector omits "schemas" (§8), so it is not required.
type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

// valueFilter reads a path of the form attr[value eq "x"]: the attribute and the value.
func valueFilter(path string) (attr, value string, ok bool) {
	i := strings.IndexByte(path, '[')
	if i < 0 || !strings.HasSuffix(path, "]") {
		return path, "", false
	}
	f := strings.Fields(path[i+1 : len(path)-1])
	if len(f) != 3 || f[0] != "value" || !strings.EqualFold(f[1], "eq") {
		return path[:i], "", false
	}
	return path[:i], strings.Trim(f[2], `"`), true
}
