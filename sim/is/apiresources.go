package is

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// API resources API (identity-server-7.md §8; OpenAPI api-resources-v1). API-M's connector (2.0.3+)
// keeps every API-M scope in the one resource "User-defined-oauth2-resource".
const (
	apiResourcesPath = "/api/server/v1/api-resources"
	tenantScopesPath = "/api/server/v1/scopes"
	superTenant      = "carbon.super"
)

type apiResource struct {
	id, name, identifier, description string
	requiresAuthorization             bool
	scopes                            []resScope
	cursor                            int
}

type resScope struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	// Absent when the scope was created without one: ScopeGetModel does not require it
	// (api-resources-v1.yaml), and API-M's connector 2.0.4 failing with a NullPointerException at
	// get("description").getAsString() against IS 7.1.0 (wso2/api-manager#4064) shows that IS then sends no
	// description member (derived; identity-server-7.md §8 only lists the key).
	Description *string `json:"description,omitempty"`
}

// scopeInput is the OpenAPI ScopeCreationModel.
type scopeInput struct {
	Name        string  `json:"name"`
	DisplayName string  `json:"displayName"`
	Description *string `json:"description"`
}

func (s *server) apiResourceRoutes(mux *http.ServeMux, prefix string) {
	p := prefix + apiResourcesPath
	mux.HandleFunc("POST "+p, s.resourceCreate)
	mux.HandleFunc("GET "+p, s.resourceList)
	mux.HandleFunc("GET "+p+"/{id}", s.resourceGet)
	mux.HandleFunc("PATCH "+p+"/{id}", s.resourcePatch)
	mux.HandleFunc("DELETE "+p+"/{id}", s.resourceDelete)
	mux.HandleFunc("GET "+p+"/{id}/scopes", s.resourceScopes)
	mux.HandleFunc("PUT "+p+"/{id}/scopes", s.resourcePutScopes)
	mux.HandleFunc("DELETE "+p+"/{id}/scopes/{scope}", s.resourceDeleteScope)
	if s.p.version != "7.0.0" {
		// §8: PATCH /{id}/scopes/{scopeName} exists only from 7.1.0 (identity-api-server v1.3.83); on
		// 7.0.0 the mux answers 405 as for any other path known with another method.
		mux.HandleFunc("PATCH "+p+"/{id}/scopes/{scope}", s.resourcePatchScope)
	}
	mux.HandleFunc("GET "+prefix+tenantScopesPath, s.tenantScopes)
}

// Errors. Codes and texts derived from APIResourceManagementConstants (60001-60007; not in the
// reference). UNCONFIRMED (identity-server-7.md §8): the "APR-" prefix of the REST layer and the
// not-found error; chose these.
func resBadFilter(w http.ResponseWriter) {
	apiError(w, http.StatusBadRequest, "APR-60001", "Unable to retrieve API resources.", "Invalid format used for filtering.")
}

func resBadRequest(w http.ResponseWriter, desc string) {
	apiError(w, http.StatusBadRequest, "APR-60007", "Unable to add API resources.", desc)
}

func resConflict(w http.ResponseWriter) {
	apiError(w, http.StatusConflict, "APR-60003", "Unable to add API resource.", "API resource already exists for the tenant: "+superTenant+".")
}

func scopeConflict(w http.ResponseWriter) {
	apiError(w, http.StatusConflict, "APR-60004", "Unable to add scope.", "Scope already exists for the tenant: "+superTenant+".")
}

func resNotFound(w http.ResponseWriter, id string) {
	apiError(w, http.StatusNotFound, "APR-60008", "Unable to find the API resource.",
		"Unable to find the API resource with the id: "+id+" in the tenant domain.")
}

// self is the tenant-qualified path in response bodies (OpenAPI example "/t/carbon.super/api/server/v1/…").
func resourceSelf(id string) string { return "/t/" + superTenant + apiResourcesPath + "/" + id }

func (res *apiResource) body() []byte {
	scopes := res.scopes
	if scopes == nil {
		scopes = []resScope{}
	}
	// UNCONFIRMED (§8): subscribedApplications for DCR apps under authorize_all_scopes; chose an empty
	// list (authorization is server-wide, not per application).
	return orderedJSON([]kv{
		{"id", res.id}, {"name", res.name}, {"description", res.description}, {"identifier", res.identifier},
		{"type", "BUSINESS"}, {"requiresAuthorization", res.requiresAuthorization}, {"scopes", scopes},
		{"subscribedApplications", []any{}}, {"properties", []any{}}, {"self", resourceSelf(res.id)},
	})
}

// newScopes validates scope inputs against the tenant's scope names (unique per tenant) except those of
// skip; ok is false on a duplicate.
func (m *mgmt) newScopes(in []scopeInput, skip *apiResource) ([]resScope, bool) {
	var out []resScope
	for _, sc := range in {
		if m.scopeTaken(sc.Name, skip) || slices.ContainsFunc(out, func(o resScope) bool { return o.Name == sc.Name }) {
			return nil, false
		}
		// UNCONFIRMED (§8): displayName when absent; chose the scope name.
		dn := sc.DisplayName
		if dn == "" {
			dn = sc.Name
		}
		out = append(out, resScope{ID: newUUID(), Name: sc.Name, DisplayName: dn, Description: sc.Description})
	}
	return out, true
}

func (m *mgmt) scopeTaken(name string, skip *apiResource) bool {
	for _, res := range m.resources {
		if res == skip {
			continue
		}
		if slices.ContainsFunc(res.scopes, func(sc resScope) bool { return sc.Name == name }) {
			return true
		}
	}
	return false
}

func (m *mgmt) resource(id string) *apiResource {
	for _, res := range m.resources {
		if res.id == id {
			return res
		}
	}
	return nil
}

// resourceCreate serves POST /api-resources → 201 + Location + the full resource; 409 on a duplicate
// identifier or scope name (§8).
func (s *server) resourceCreate(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	var req struct {
		Name                  string       `json:"name"`
		Identifier            string       `json:"identifier"`
		Description           string       `json:"description"`
		RequiresAuthorization *bool        `json:"requiresAuthorization"`
		Scopes                []scopeInput `json:"scopes"`
	}
	if err := decodeBody(r, &req); err != nil || req.Name == "" || strings.TrimSpace(req.Identifier) == "" {
		resBadRequest(w, "Invalid identifier value provided.")
		return
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if slices.ContainsFunc(s.m.resources, func(o *apiResource) bool { return o.identifier == req.Identifier }) {
		resConflict(w)
		return
	}
	scopes, ok := s.m.newScopes(req.Scopes, nil)
	if !ok {
		scopeConflict(w)
		return
	}
	s.m.seq++
	// UNCONFIRMED (§8): requiresAuthorization default when absent; chose true (the OpenAPI example).
	res := &apiResource{id: newUUID(), name: req.Name, identifier: req.Identifier, description: req.Description,
		requiresAuthorization: req.RequiresAuthorization == nil || *req.RequiresAuthorization, scopes: scopes, cursor: s.m.seq}
	s.m.resources = append(s.m.resources, res)
	w.Header().Set("Location", s.baseURL()+apiResourcesPath+"/"+res.id)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(res.body())
}

// filterClause is one "<attribute> <op> <value>" filter (ops eq, sw, co, ew).
type filterClause struct{ attr, op, value string }

func parseFilter(f string, attrs ...string) (*filterClause, bool) {
	if strings.TrimSpace(f) == "" {
		return nil, true
	}
	parts := strings.SplitN(strings.TrimSpace(f), " ", 3)
	if len(parts) != 3 || !slices.Contains(attrs, parts[0]) {
		return nil, false
	}
	c := &filterClause{attr: parts[0], op: strings.ToLower(parts[1]), value: strings.Trim(parts[2], `"`)}
	if !slices.Contains([]string{"eq", "sw", "co", "ew"}, c.op) {
		return nil, false
	}
	return c, true
}

func (c *filterClause) match(v string) bool {
	if c == nil {
		return true
	}
	switch c.op {
	case "eq":
		return v == c.value
	case "sw":
		return strings.HasPrefix(v, c.value)
	case "co":
		return strings.Contains(v, c.value)
	default:
		return strings.HasSuffix(v, c.value)
	}
}

func encodeCursor(n int) string { return base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(n))) }

func decodeCursor(c string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil
}

// resourceList serves GET /api-resources?filter&limit&before&after (§8): the list property is
// "apiResources" (the generated DTO), cursors are base64 of the creation sequence number.
// UNCONFIRMED (§8): the simulator holds no SYSTEM resources, and a missing limit returns every match.
func (s *server) resourceList(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	q := r.URL.Query()
	flt, ok := parseFilter(q.Get("filter"), "identifier", "name", "type")
	if !ok {
		resBadFilter(w)
		return
	}
	limit := atoiDefault(q.Get("limit"), -1)
	before, hasBefore := decodeCursor(q.Get("before"))
	after, hasAfter := decodeCursor(q.Get("after"))
	if (q.Has("before") && !hasBefore) || (q.Has("after") && !hasAfter) {
		apiError(w, http.StatusBadRequest, "APR-60002", "Unable to retrieve API resources.", "Invalid cursor used for pagination.")
		return
	}
	s.m.mu.Lock()
	var all []*apiResource
	for _, res := range s.m.resources {
		v := res.identifier
		if flt != nil && flt.attr == "name" {
			v = res.name
		} else if flt != nil && flt.attr == "type" {
			v = "BUSINESS"
		}
		if flt.match(v) {
			all = append(all, res)
		}
	}
	s.m.mu.Unlock()
	var window []*apiResource
	for _, res := range all {
		if (hasAfter && res.cursor <= after) || (hasBefore && res.cursor >= before) {
			continue
		}
		window = append(window, res)
	}
	if limit >= 0 && len(window) > limit {
		if hasBefore {
			window = window[len(window)-limit:] // backwards: the items just before the cursor
		} else {
			window = window[:limit]
		}
	}
	var linkList []map[string]string
	if len(window) > 0 {
		first, last := window[0].cursor, window[len(window)-1].cursor
		base := "/t/" + superTenant + apiResourcesPath + "?"
		if limit >= 0 {
			base += "limit=" + strconv.Itoa(limit) + "&"
		}
		if all[len(all)-1].cursor > last {
			linkList = append(linkList, map[string]string{"href": base + "after=" + encodeCursor(last), "rel": "next"})
		}
		if all[0].cursor < first {
			linkList = append(linkList, map[string]string{"href": base + "before=" + encodeCursor(first), "rel": "previous"})
		}
	}
	if linkList == nil {
		linkList = []map[string]string{}
	}
	items := make([]map[string]any, 0, len(window))
	for _, res := range window {
		items = append(items, map[string]any{
			"id": res.id, "name": res.name, "identifier": res.identifier, "type": "BUSINESS",
			"requiresAuthorization": res.requiresAuthorization, "properties": []any{}, "self": resourceSelf(res.id),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalResults": len(all), "links": linkList, "apiResources": items})
}

// withResource runs f on the resource {id} under the lock, or answers 404.
func (s *server) withResource(w http.ResponseWriter, r *http.Request, f func(res *apiResource)) {
	if !s.mgmtAuth(w, r) {
		return
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	res := s.m.resource(r.PathValue("id"))
	if res == nil {
		resNotFound(w, r.PathValue("id"))
		return
	}
	f(res)
}

func (s *server) resourceGet(w http.ResponseWriter, r *http.Request) {
	s.withResource(w, r, func(res *apiResource) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(res.body())
	})
}

// resourcePatch serves PATCH /{id} {name, description, addedScopes, removedScopes} → 204; removedScopes
// is "not supported yet" → 501 (§8).
func (s *server) resourcePatch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name          *string      `json:"name"`
		Description   *string      `json:"description"`
		AddedScopes   []scopeInput `json:"addedScopes"`
		RemovedScopes []string     `json:"removedScopes"`
	}
	if err := decodeBody(r, &req); err != nil {
		// Authentication first: a bad body from an unauthenticated caller is still 401.
		if s.mgmtAuth(w, r) {
			resBadRequest(w, "Invalid request body.")
		}
		return
	}
	s.withResource(w, r, func(res *apiResource) {
		if len(req.RemovedScopes) > 0 {
			apiError(w, http.StatusNotImplemented, "APR-50001", "Operation not supported.", "Removing scopes is not supported yet.")
			return
		}
		added, ok := s.m.newScopes(req.AddedScopes, nil)
		if !ok {
			scopeConflict(w)
			return
		}
		if req.Name != nil && *req.Name != "" {
			res.name = *req.Name
		}
		if req.Description != nil {
			res.description = *req.Description
		}
		if !s.faults.On("is-apiresource-patch-drops-scopes") {
			res.scopes = append(res.scopes, added...)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// resourceDelete serves DELETE /{id} → 204. UNCONFIRMED (§8): the OpenAPI lists no 404 here; chose 204
// for an unknown id too.
func (s *server) resourceDelete(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	s.m.mu.Lock()
	s.m.resources = slices.DeleteFunc(s.m.resources, func(res *apiResource) bool { return res.id == r.PathValue("id") })
	s.m.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// resourceScopes serves GET /{id}/scopes: a JSON array of {id, name, displayName, description}.
func (s *server) resourceScopes(w http.ResponseWriter, r *http.Request) {
	s.withResource(w, r, func(res *apiResource) {
		out := res.scopes
		if out == nil {
			out = []resScope{}
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// resourcePutScopes serves PUT /{id}/scopes with an array of ScopeCreationModel: the list replaces the
// resource's scopes (scopes kept by name keep their ids) → 204; 409 when a name belongs to another resource.
func (s *server) resourcePutScopes(w http.ResponseWriter, r *http.Request) {
	var in []scopeInput
	if err := decodeBody(r, &in); err != nil {
		if s.mgmtAuth(w, r) {
			resBadRequest(w, "Invalid request body.")
		}
		return
	}
	s.withResource(w, r, func(res *apiResource) {
		next, ok := s.m.newScopes(in, res)
		if !ok {
			scopeConflict(w)
			return
		}
		for i, sc := range next {
			if j := slices.IndexFunc(res.scopes, func(o resScope) bool { return o.Name == sc.Name }); j >= 0 {
				next[i].ID = res.scopes[j].ID
			}
		}
		res.scopes = next
		w.WriteHeader(http.StatusNoContent)
	})
}

// resourceDeleteScope serves DELETE /{id}/scopes/{scopeName} → 204. UNCONFIRMED (§8): an unknown scope
// name; chose 404 like an unknown resource.
func (s *server) resourceDeleteScope(w http.ResponseWriter, r *http.Request) {
	s.withResource(w, r, func(res *apiResource) {
		n := len(res.scopes)
		res.scopes = slices.DeleteFunc(res.scopes, func(sc resScope) bool { return sc.Name == r.PathValue("scope") })
		if len(res.scopes) == n {
			apiError(w, http.StatusNotFound, "APR-60009", "Unable to find the scope.", "Scope "+r.PathValue("scope")+" is not found.")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// resourcePatchScope serves PATCH /{id}/scopes/{scopeName} {displayName, description} → 204 (7.1.0+).
func (s *server) resourcePatchScope(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DisplayName *string `json:"displayName"`
		Description *string `json:"description"`
	}
	if err := decodeBody(r, &req); err != nil {
		if s.mgmtAuth(w, r) {
			resBadRequest(w, "Invalid request body.")
		}
		return
	}
	s.withResource(w, r, func(res *apiResource) {
		i := slices.IndexFunc(res.scopes, func(sc resScope) bool { return sc.Name == r.PathValue("scope") })
		if i < 0 {
			apiError(w, http.StatusNotFound, "APR-60009", "Unable to find the scope.", "Scope "+r.PathValue("scope")+" is not found.")
			return
		}
		if s.faults.On("is-apiresource-scope-patch-ignored") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if req.DisplayName != nil && *req.DisplayName != "" {
			res.scopes[i].DisplayName = *req.DisplayName
		}
		if req.Description != nil {
			d := *req.Description
			res.scopes[i].Description = &d
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// tenantScopes serves GET /api/server/v1/scopes?filter=name eq X: every API-resource scope of the tenant.
func (s *server) tenantScopes(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	flt, ok := parseFilter(r.URL.Query().Get("filter"), "name")
	if !ok {
		apiError(w, http.StatusBadRequest, "APR-60001", "Unable to retrieve scopes.", "Invalid format used for filtering.")
		return
	}
	out := []resScope{}
	s.m.mu.Lock()
	for _, res := range s.m.resources {
		for _, sc := range res.scopes {
			if flt.match(sc.Name) {
				out = append(out, sc)
			}
		}
	}
	s.m.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// resourceScopeNames is every scope name of the tenant's API resources (scope authorization, §10).
func (m *mgmt) resourceScopeNames() map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, res := range m.resources {
		for _, sc := range res.scopes {
			out[sc.Name] = true
		}
	}
	return out
}
