package is

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Roles v2 (identity-server-7.md §8): /scim2/v2/Roles, used by API-M's connector (2.0.3+) for
// role↔scope bindings (POST, PATCH permissions, .search by displayName).
const (
	rolesPath       = "/scim2/v2/Roles"
	roleSchema      = "urn:ietf:params:scim:schemas:extension:2.0:Role"
	systemPrefix    = "system_"
	superOrgID      = "10084a8d-113f-4211-a0d5-efe36b082211"
	superOrgDisplay = "Super"
)

type rolePerm struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

type role struct {
	id, name                 string
	audType, audValue, audDN string
	users, groups            []string // ids
	permissions              []rolePerm
	created, modified        time.Time
}

// roleInput is the POST/PUT body.
type roleInput struct {
	DisplayName string `json:"displayName"`
	Audience    *struct {
		Value string `json:"value"`
		Type  string `json:"type"`
	} `json:"audience"`
	Users       []struct{ Value string } `json:"users"`
	Groups      []struct{ Value string } `json:"groups"`
	Permissions []rolePerm               `json:"permissions"`
}

func (s *server) roleRoutes(mux *http.ServeMux, prefix string) {
	p := prefix + rolesPath
	mux.HandleFunc("POST "+p, s.roleCreate)
	mux.HandleFunc("GET "+p, s.roleList)
	mux.HandleFunc("POST "+p+"/.search", s.roleSearch)
	mux.HandleFunc("GET "+p+"/{id}", s.roleGet)
	mux.HandleFunc("PUT "+p+"/{id}", s.rolePut)
	mux.HandleFunc("PATCH "+p+"/{id}", s.rolePatch)
	mux.HandleFunc("DELETE "+p+"/{id}", s.roleDelete)
}

// allowSystemPrefix is [role_mgt] allow_system_prefix_for_role. derived (§8, §10, UNCONFIRMED-7): the
// key arrived with carbon-identity-framework PR #6188 (Dec 2024), after 7.0.0 GA, so 7.0.0 ignores it.
func (s *server) allowSystemPrefix() bool {
	return s.p.version != "7.0.0" && s.h.Bool(false, "role_mgt", "allow_system_prefix_for_role")
}

// checkRoleName rejects reserved system_ names (§8): 400 with the message in scimType, not detail
// (wso2/product-is#19746). UNCONFIRMED (§8): the message text; chose RoleManagementService's wording.
func (s *server) checkRoleName(w http.ResponseWriter, name string) bool {
	if name == "" {
		scimError(w, http.StatusBadRequest, "invalidValue", "Role name cannot be empty.")
		return false
	}
	if strings.HasPrefix(name, systemPrefix) && !s.allowSystemPrefix() {
		scimError(w, http.StatusBadRequest, "Invalid role name: "+name+". Role names with the prefix: "+systemPrefix+
			", is not allowed to be created from externally in the system.", "")
		return false
	}
	return true
}

func (s *server) roleLocation(id string) string { return s.baseURL() + rolesPath + "/" + id }

// summary is the POST 201 / list item body: displayName, meta, schemas, id, audience (§8).
func (s *server) roleSummary(ro *role) []kv {
	return []kv{
		{"displayName", ro.name},
		{"meta", orderedJSONValue([]kv{
			{"created", scimTime(ro.created)}, {"location", s.roleLocation(ro.id)},
			{"lastModified", scimTime(ro.modified)}, {"resourceType", "Role"},
		})},
		{"schemas", []string{roleSchema}},
		{"id", ro.id},
		{"audience", orderedJSONValue([]kv{{"value", ro.audValue}, {"display", ro.audDN}, {"type", ro.audType}})},
	}
}

// roleFull adds users, groups, permissions and associatedApplications (GET /{id}, PUT, PATCH).
func (s *server) roleFull(ro *role) []byte {
	pairs := s.roleSummary(ro)
	users := []map[string]string{}
	for _, id := range ro.users {
		u := map[string]string{"value": id, "$ref": s.baseURL() + "/scim2/Users/" + id}
		if a := s.m.users[id]; a != nil {
			u["display"] = a.name
		}
		users = append(users, u)
	}
	groups := []map[string]string{}
	for _, g := range ro.groups {
		groups = append(groups, map[string]string{"value": g})
	}
	perms := ro.permissions
	if perms == nil {
		perms = []rolePerm{}
	}
	pairs = append(pairs, kv{"users", users}, kv{"groups", groups}, kv{"permissions", perms},
		kv{"associatedApplications", []any{}})
	return orderedJSON(pairs)
}

// roleFrom validates a POST/PUT body into ro (name, audience, members, permissions). It answers the
// error itself and reports false.
func (s *server) roleFrom(w http.ResponseWriter, in roleInput, ro *role) bool {
	if !s.checkRoleName(w, in.DisplayName) {
		return false
	}
	ro.name = in.DisplayName
	// UNCONFIRMED (§8): default audience; chose the super organization (id of carbon.super's root org).
	ro.audType, ro.audValue, ro.audDN = "organization", superOrgID, superOrgDisplay
	if in.Audience != nil && in.Audience.Type != "" {
		ro.audType, ro.audValue, ro.audDN = strings.ToLower(in.Audience.Type), in.Audience.Value, in.Audience.Value
		if ro.audType == "organization" && ro.audValue == superOrgID {
			ro.audDN = superOrgDisplay
		}
	}
	ro.users, ro.groups = nil, nil
	for _, u := range in.Users {
		ro.users = append(ro.users, u.Value)
	}
	for _, g := range in.Groups {
		ro.groups = append(ro.groups, g.Value)
	}
	ro.permissions = in.Permissions
	return s.checkMembers(w, ro)
}

// checkMembers validates users (must exist) and permissions (must be a scope of an API resource, or a
// system internal_ scope). UNCONFIRMED (§8): the error texts; chose invalidValue with the offending value.
func (s *server) checkMembers(w http.ResponseWriter, ro *role) bool {
	for _, id := range ro.users {
		if s.m.users[id] == nil {
			scimError(w, http.StatusBadRequest, "invalidValue", "User id: "+id+" does not exist.")
			return false
		}
	}
	for _, p := range ro.permissions {
		if !strings.HasPrefix(p.Value, "internal_") && !s.m.scopeTaken(p.Value, nil) {
			scimError(w, http.StatusBadRequest, "invalidValue", "Invalid permissions: "+p.Value)
			return false
		}
	}
	return true
}

func (m *mgmt) roleNamed(name, audType, audValue string, skip *role) bool {
	return slices.ContainsFunc(m.roles, func(o *role) bool {
		return o != skip && o.name == name && o.audType == audType && o.audValue == audValue
	})
}

func (m *mgmt) role(id string) *role {
	for _, ro := range m.roles {
		if ro.id == id {
			return ro
		}
	}
	return nil
}

// roleCreate serves POST /scim2/v2/Roles → 201 with meta.location; 409 when the name exists for the
// audience (§8).
func (s *server) roleCreate(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	var in roleInput
	if !decodeSCIM(w, r, &in) {
		return
	}
	s.m.mu.Lock()
	ro := &role{id: newUUID(), created: s.now().UTC(), modified: s.now().UTC()}
	if !s.roleFrom(w, in, ro) {
		s.m.mu.Unlock()
		return
	}
	if s.m.roleNamed(ro.name, ro.audType, ro.audValue, nil) {
		s.m.mu.Unlock()
		// UNCONFIRMED (§8): the conflict detail; chose this wording.
		scimError(w, http.StatusConflict, "uniqueness", "Role name: "+ro.name+" is already there in the system for the given audience.")
		return
	}
	s.m.roles = append(s.m.roles, ro)
	body := orderedJSON(s.roleSummary(ro))
	s.m.mu.Unlock()
	// derived (§9 point 2): only changes to an existing role's user list (and deletion) revoke tokens;
	// creating a role with users is not among the listener's revocation events.
	w.Header().Set("Location", s.roleLocation(ro.id))
	writeSCIM(w, http.StatusCreated, body)
}

// roleList serves GET /scim2/v2/Roles?filter&startIndex&count.
func (s *server) roleList(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	q := r.URL.Query()
	s.listRoles(w, q.Get("filter"), atoiDefault(q.Get("startIndex"), 1), atoiDefault(q.Get("count"), -1))
}

// roleSearch serves POST /scim2/v2/Roles/.search with a SearchRequest (§8).
func (s *server) roleSearch(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	var req struct {
		Filter     string `json:"filter"`
		StartIndex *int   `json:"startIndex"`
		Count      *int   `json:"count"`
	}
	if !decodeSCIM(w, r, &req) {
		return
	}
	start, count := 1, -1
	if req.StartIndex != nil {
		start = *req.StartIndex
	}
	if req.Count != nil {
		count = *req.Count
	}
	filter := req.Filter
	if s.faults.On("is-roles-search-ignores-filter") {
		filter = ""
	}
	s.listRoles(w, filter, start, count)
}

// listRoles answers a ListResponse. startIndex is 1-based (SCIM); count < 0 means all.
func (s *server) listRoles(w http.ResponseWriter, filter string, start, count int) {
	flt, ok := parseFilter(filter, "displayName")
	if !ok {
		scimError(w, http.StatusBadRequest, "invalidFilter", "The specified filter syntax is invalid or the specified attribute and filter comparison combination is not supported.")
		return
	}
	if start < 1 {
		start = 1
	}
	s.m.mu.Lock()
	var all []*role
	for _, ro := range s.m.roles {
		if flt.match(ro.name) {
			all = append(all, ro)
		}
	}
	items := []json.RawMessage{}
	for _, ro := range pageOf(all, start-1, count) {
		items = append(items, orderedJSON(s.roleSummary(ro)))
	}
	s.m.mu.Unlock()
	writeSCIM(w, http.StatusOK, orderedJSON([]kv{
		{"totalResults", len(all)}, {"startIndex", start}, {"itemsPerPage", len(items)},
		{"schemas", []string{scimListSchema}}, {"Resources", items},
	}))
}

func (s *server) roleGet(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	ro := lockFound(w, r, s.m, s.m.role)
	if ro == nil {
		return
	}
	body := s.roleFull(ro)
	s.m.mu.Unlock()
	writeSCIM(w, http.StatusOK, body)
}

// rolePut serves PUT /scim2/v2/Roles/{id}: the body replaces name, members and permissions → 200.
func (s *server) rolePut(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	var in roleInput
	if !decodeSCIM(w, r, &in) {
		return
	}
	ro := lockFound(w, r, s.m, s.m.role)
	if ro == nil {
		return
	}
	next := *ro
	if in.Audience == nil { // the audience of a role cannot change; keep it when not sent
		in.Audience = &struct {
			Value string `json:"value"`
			Type  string `json:"type"`
		}{ro.audValue, ro.audType}
	}
	if !s.roleFrom(w, in, &next) {
		s.m.mu.Unlock()
		return
	}
	changed := symmetricDiff(ro.users, next.users)
	next.modified = s.now().UTC()
	*ro = next
	body := s.roleFull(ro)
	s.m.mu.Unlock()
	s.revokeForRoleChange(changed)
	writeSCIM(w, http.StatusOK, body)
}

// rolePatch serves PATCH /scim2/v2/Roles/{id} with a PatchOp: add/remove/replace on displayName,
// users, groups, permissions, with a path or a value object (the connector's
// {"op":"replace","value":{"permissions":[…]}}) → 200 with the role.
func (s *server) rolePatch(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	req, ok := decodePatch(w, r)
	if !ok {
		return
	}
	ro := lockFound(w, r, s.m, s.m.role)
	if ro == nil {
		return
	}
	next := *ro
	next.users, next.groups, next.permissions = slices.Clone(ro.users), slices.Clone(ro.groups), slices.Clone(ro.permissions)
	for _, op := range req.Operations {
		if msg := applyRoleOp(&next, op); msg != "" {
			s.m.mu.Unlock()
			scimError(w, http.StatusBadRequest, "invalidValue", msg)
			return
		}
	}
	if next.name != ro.name && !s.checkRoleName(w, next.name) {
		s.m.mu.Unlock()
		return
	}
	if !s.checkMembers(w, &next) {
		s.m.mu.Unlock()
		return
	}
	changed := symmetricDiff(ro.users, next.users)
	next.modified = s.now().UTC()
	*ro = next
	body := s.roleFull(ro)
	s.m.mu.Unlock()
	s.revokeForRoleChange(changed)
	writeSCIM(w, http.StatusOK, body)
}

// applyRoleOp applies one operation; a non-empty result is the error detail.
func applyRoleOp(ro *role, op patchOp) string {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "remove" && kind != "replace" {
		return "Invalid operation: " + op.Op
	}
	if op.Path == "" {
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return "Value of a patch operation without a path must be an object."
		}
		for k, v := range obj {
			if msg := applyRoleAttr(ro, kind, k, "", v); msg != "" {
				return msg
			}
		}
		return ""
	}
	attr, filterValue, _ := valueFilter(op.Path)
	return applyRoleAttr(ro, kind, attr, filterValue, op.Value)
}

func applyRoleAttr(ro *role, kind, attr, filterValue string, v any) string {
	switch attr {
	case "displayName":
		name, ok := v.(string)
		if !ok || kind == "remove" {
			return "Invalid value for displayName."
		}
		ro.name = name
	case "users", "groups":
		list := &ro.users
		if attr == "groups" {
			list = &ro.groups
		}
		vals := multiValues(v)
		if filterValue != "" {
			vals = append(vals, filterValue)
		}
		*list = applyIDs(*list, kind, vals)
	case "permissions":
		var perms []rolePerm
		for _, e := range asList(v) {
			if m, ok := e.(map[string]any); ok {
				val, _ := m["value"].(string)
				dn, _ := m["display"].(string)
				perms = append(perms, rolePerm{Value: val, Display: dn})
			}
		}
		if filterValue != "" {
			perms = append(perms, rolePerm{Value: filterValue})
		}
		switch kind {
		case "replace":
			ro.permissions = perms
		case "add":
			for _, p := range perms {
				if !slices.ContainsFunc(ro.permissions, func(o rolePerm) bool { return o.Value == p.Value }) {
					ro.permissions = append(ro.permissions, p)
				}
			}
		default:
			ro.permissions = slices.DeleteFunc(ro.permissions, func(o rolePerm) bool {
				return slices.ContainsFunc(perms, func(p rolePerm) bool { return p.Value == o.Value })
			})
		}
	default:
		return "Attribute " + attr + " is not supported."
	}
	return ""
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// multiValues reads [{"value": "x"}, …] (or a single such object).
func multiValues(v any) []string {
	var out []string
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			if s, ok := m["value"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func applyIDs(cur []string, kind string, vals []string) []string {
	switch kind {
	case "replace":
		return slices.Compact(vals)
	case "add":
		for _, v := range vals {
			if !slices.Contains(cur, v) {
				cur = append(cur, v)
			}
		}
		return cur
	default:
		return slices.DeleteFunc(cur, func(id string) bool { return slices.Contains(vals, id) })
	}
}

func symmetricDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// roleDelete serves DELETE /scim2/v2/Roles/{id} → 204; the role's users lose their tokens (§9 point 2).
func (s *server) roleDelete(w http.ResponseWriter, r *http.Request) {
	if !s.mgmtAuth(w, r) {
		return
	}
	ro := lockFound(w, r, s.m, s.m.role)
	if ro == nil {
		return
	}
	users := ro.users
	s.m.roles = slices.DeleteFunc(s.m.roles, func(o *role) bool { return o == ro })
	s.m.mu.Unlock()
	s.revokeForRoleChange(users)
	w.WriteHeader(http.StatusNoContent)
}

// roleScopes is the permissions of the organization-audience roles held by user id. UNCONFIRMED (§10):
// application-audience roles need the app's role association, which DCR apps lack here; chose to count
// organization roles only.
func (m *mgmt) roleScopes(userID string) map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, ro := range m.roles {
		if ro.audType != "organization" || !slices.Contains(ro.users, userID) {
			continue
		}
		for _, p := range ro.permissions {
			out[p.Value] = true
		}
	}
	return out
}
