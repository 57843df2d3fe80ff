package is

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// mgmt is the state behind the management APIs (identity-server-7.md §8, §9 point 2): legacy OAuth2
// scopes, API resources, roles v2 and the SCIM2 user store. It has its own lock so that handlers never
// hold it together with server.mu (token state).
type mgmt struct {
	mu        sync.Mutex
	scopes    map[string]*legacyScope // legacy scopes API, by name
	resources []*apiResource          // creation order = cursor order
	roles     []*role                 // creation order
	users     map[string]*account     // by user id
	seq       int                     // cursor keys of API resources
}

// newMgmt starts with the [super_admin] user as the only account.
func newMgmt(admin user, now time.Time) *mgmt {
	m := &mgmt{scopes: map[string]*legacyScope{}, users: map[string]*account{}}
	m.users[admin.id] = &account{user: admin, created: now, modified: now}
	return m
}

// tenantPrefixes are the path prefixes the super tenant answers on: plain and tenant-qualified.
var tenantPrefixes = []string{"", "/t/carbon.super"}

// mgmtRoutes registers the management APIs on mux.
func (s *server) mgmtRoutes(mux *http.ServeMux) {
	for _, p := range tenantPrefixes {
		s.scopesRoutes(mux, p)
		s.apiResourceRoutes(mux, p)
		s.roleRoutes(mux, p)
		s.userRoutes(mux, p)
	}
}

// apiError writes the {code, message, description, traceId} error of the identity REST APIs (§8).
func apiError(w http.ResponseWriter, status int, code, message, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(orderedJSON([]kv{{"code", code}, {"message", message}, {"description", description}, {"traceId", newUUID()}}))
}

// mgmtAuth checks Basic admin credentials for a management API. UNCONFIRMED (identity-server-7.md §6):
// the body of an unauthenticated call; chose 401 without body, as for DCR.
func (s *server) mgmtAuth(w http.ResponseWriter, r *http.Request) bool {
	if s.adminAuth(r) {
		return true
	}
	w.WriteHeader(http.StatusUnauthorized)
	return false
}

// decodeBody reads a JSON request body into v.
func decodeBody(r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

// atoiDefault parses a non-negative integer query parameter, def when absent or malformed.
func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return def
	}
	return n
}

// pageOf returns items[start:start+count], clamped.
func pageOf[T any](items []T, start, count int) []T {
	if start > len(items) {
		start = len(items)
	}
	end := len(items)
	if count >= 0 && start+count < end {
		end = start + count
	}
	return items[start:end]
}

// orderedJSONValue is orderedJSON as a nested value.
func orderedJSONValue(pairs []kv) json.RawMessage { return orderedJSON(pairs) }

// scimTime renders a SCIM meta timestamp (ISO-8601 with milliseconds, UTC).
func scimTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
