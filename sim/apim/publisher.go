package apim

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

const publisherBase = "/api/am/publisher/v4"

// api is a publisher API; revisions hold the snapshots that gateways serve.
type api struct {
	apiSpec
	Provider  string
	LifeCycle string
	Revisions []*revision
	Deployed  map[string]*deployment // environment name → deployment
	body      map[string]any
}

// apiSpec is the part of an API that a revision freezes and the gateway serves.
type apiSpec struct {
	ID, Name, Context, Version string // Context without the version, with a leading "/"
	IsDefaultVersion           bool
	KeyManagers                []string
	Policies                   []string
	EndpointConfig             map[string]any
	Operations                 []any
}

type revision struct {
	ID, DisplayName, Description string
	Created                      time.Time
	snap                         apiSpec
}

type deployment struct {
	RevisionID, Env, VHost string
	Display                bool
	Deployed               time.Time
	snap                   apiSpec
}

func (s *Server) routePublisher(mux *http.ServeMux) {
	mux.HandleFunc("POST "+publisherBase+"/apis", s.requireAdmin(s.apiCreate))
	mux.HandleFunc("GET "+publisherBase+"/apis", s.requireAdmin(s.apiList))
	mux.HandleFunc("GET "+publisherBase+"/apis/{apiId}", s.requireAdmin(s.apiGet))
	mux.HandleFunc("PUT "+publisherBase+"/apis/{apiId}", s.requireAdmin(s.apiUpdate))
	mux.HandleFunc("DELETE "+publisherBase+"/apis/{apiId}", s.requireAdmin(s.apiDelete))
	mux.HandleFunc("POST "+publisherBase+"/apis/{apiId}/revisions", s.requireAdmin(s.revisionCreate))
	mux.HandleFunc("POST "+publisherBase+"/apis/{apiId}/deploy-revision", s.requireAdmin(s.revisionDeploy))
	mux.HandleFunc("POST "+publisherBase+"/apis/change-lifecycle", s.requireAdmin(s.changeLifecycle))
	s.routeScopes(mux)
}

var apiNameForbidden = regexp.MustCompile(`[~!@#;:%^*()+={}|\\<>"',&$\[\]/]`)

var subscriptionTiers = []string{"Unlimited", "Gold", "Silver", "Bronze", "Unauthenticated",
	"AsyncUnlimited", "AsyncGold", "AsyncSilver", "AsyncBronze", "AsyncWHUnlimited"}

func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	a, err := s.apiFromDTO(body)
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	err = s.st.apiConflict(a)
	local := a.localScopes(s.st)
	shared := sharedScopesOf(body, s.st)
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.validateSharedScopes(r.Context(), shared); err != nil {
		writeError(w, err)
		return
	}
	// The KMs are called without the lock, as the product calls them inside addAPI (api-manager-4.md §9
	// "scope registration fans out synchronously"); a failure leaves no API behind.
	if err := s.registerScopes(r, local); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.apiConflict(a); err != nil {
		writeError(w, err)
		return
	}
	s.st.apis[a.ID] = a
	s.st.apiOrder = append(s.st.apiOrder, a.ID)
	s.log.Info("org.wso2.carbon.apimgt.impl.APIProviderImpl", "API %s:%s created with context %s", a.Name, a.Version, a.Context)
	w.Header().Set("Location", publisherBase+"/apis/"+a.ID)
	writeJSON(w, http.StatusCreated, a.dto())
}

// apiFromDTO applies APIMappingUtil.fromDTOtoAPI's checks and defaults (api-manager-4.md §4).
func (s *Server) apiFromDTO(body map[string]any) (*api, error) {
	a := &api{apiSpec: apiSpec{ID: uuid.NewString(), Name: str(body["name"]), Version: str(body["version"])},
		Provider: s.cfg.admin, LifeCycle: "CREATED", Deployed: map[string]*deployment{}, body: body}
	ctx := str(body["context"])
	if miss := absent("name", a.Name, "context", ctx, "version", a.Version); len(miss) > 0 {
		return nil, missingRequired(miss...) // API.required (publisher-api-v4.yaml)
	}
	switch {
	case len(a.Name) > 60 || len(ctx) > 232 || len(a.Version) > 30:
		return nil, badRequest("API name, context or version is too long")
	case apiNameForbidden.MatchString(a.Name):
		return nil, badRequest("Name of the API contains one or more illegal characters")
	}
	if !strings.HasPrefix(ctx, "/") {
		ctx = "/" + ctx
	}
	if strings.HasSuffix(ctx, "/") {
		// UNCONFIRMED (api-manager-4.md §4 gives 400/900346 only): chose this message and description.
		return nil, newAPIError(http.StatusBadRequest, 900346, "Invalid context provided",
			fmt.Sprintf("Invalid context provided for API: '%s:%s'", a.Name, a.Version))
	}
	a.Context = ctx
	a.IsDefaultVersion = boolOr(body["isDefaultVersion"], false)
	kms, err := parseKeyManagers(body["keyManagers"])
	if err != nil {
		return nil, err
	}
	a.KeyManagers = kms
	if pol, ok := body["policies"].([]any); ok {
		for _, p := range pol {
			if !slices.Contains(subscriptionTiers, str(p)) {
				// UNCONFIRMED (api-manager-4.md §4 gives 400/900305 only): chose this description.
				return nil, newAPIError(http.StatusBadRequest, 900305, "Invalid tier",
					fmt.Sprintf("Specified policy %s is invalid", str(p)))
			}
			a.Policies = append(a.Policies, str(p))
		}
	}
	a.EndpointConfig, _ = body["endpointConfig"].(map[string]any)
	a.Operations = parseOperations(body["operations"])
	return a, nil
}

// parseKeyManagers: absent → ["all"]; a non-array → 400 903203 (api-manager-4.md §4).
func parseKeyManagers(v any) ([]string, error) {
	switch km := v.(type) {
	case nil:
		return []string{"all"}, nil
	case []any:
		out := []string{}
		for _, n := range km {
			out = append(out, str(n))
		}
		return out, nil
	}
	// UNCONFIRMED (api-manager-4.md §4 gives 400/903203 only): chose this message.
	return nil, newAPIError(http.StatusBadRequest, 903203, "Invalid Key Manager configuration",
		"Key Managers should be provided as an array")
}

// parseOperations keeps the given operations, or generates the publisher's default "/*" resource for
// each verb when none are given.
func parseOperations(v any) []any {
	if ops, ok := v.([]any); ok && len(ops) > 0 {
		return ops
	}
	var out []any
	for _, verb := range []string{"GET", "PUT", "POST", "DELETE", "PATCH"} {
		out = append(out, map[string]any{"target": "/*", "verb": verb,
			"authType": "Application & Application User", "throttlingPolicy": "Unlimited", "scopes": []any{}})
	}
	return out
}

// apiConflict applies the 409 checks of api-manager-4.md §4.
// UNCONFIRMED: the descriptions are chosen; the codes and messages are from the reference.
func (st *state) apiConflict(n *api) error {
	for _, id := range st.apiOrder {
		a := st.apis[id]
		switch {
		case strings.EqualFold(a.Name, n.Name) && a.Name != n.Name:
			return newAPIError(http.StatusConflict, 900250, "The API name already exists.",
				fmt.Sprintf("An API with name '%s' already exists", a.Name))
		case a.Name == n.Name && a.Version == n.Version:
			return newAPIError(http.StatusConflict, 900300, "The API already exists.", "The API already exists")
		case a.Context == n.Context && !strings.EqualFold(a.Name, n.Name):
			return newAPIError(http.StatusConflict, 900251, "The API context already exists.",
				fmt.Sprintf("An API with context '%s' already exists", n.Context))
		}
	}
	return nil
}

func (a *api) dto() map[string]any {
	d := maps.Clone(a.body)
	maps.Copy(d, map[string]any{
		"id": a.ID, "name": a.Name, "context": a.Context, "version": a.Version, "provider": a.Provider,
		"lifeCycleStatus": a.LifeCycle, "isDefaultVersion": a.IsDefaultVersion, "keyManagers": a.KeyManagers,
		"policies": orEmptyStrings(a.Policies), "operations": a.Operations, "type": "HTTP",
		"transport": []string{"http", "https"}, "securityScheme": []string{"oauth2", "oauth_basic_auth_api_key_mandatory"},
		"authorizationHeader": "Authorization", "apiKeyHeader": "ApiKey", "visibility": "PUBLIC",
	})
	if a.EndpointConfig != nil {
		d["endpointConfig"] = a.EndpointConfig
	}
	return d
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("query")
	name, exact := strings.TrimPrefix(q, "name:"), false
	if strings.HasPrefix(name, `"`) && strings.HasSuffix(name, `"`) && len(name) >= 2 {
		name, exact = name[1:len(name)-1], true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]any{}
	for _, id := range s.st.apiOrder {
		a := s.st.apis[id]
		if q != "" && ((exact && a.Name != name) || (!exact && !strings.Contains(strings.ToLower(a.Name), strings.ToLower(name)))) {
			continue
		}
		list = append(list, map[string]any{"id": a.ID, "name": a.Name, "context": a.Context, "version": a.Version,
			"provider": a.Provider, "lifeCycleStatus": a.LifeCycle, "type": "HTTP"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list,
		"pagination": map[string]any{"offset": 0, "limit": 25, "total": len(list)}})
}

func (s *Server) apiGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.apis[r.PathValue("apiId")]
	if a == nil {
		writeError(w, notFound("API", r.PathValue("apiId")))
		return
	}
	writeJSON(w, http.StatusOK, a.dto())
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("apiId")
	if s.st.apis[id] == nil {
		writeError(w, notFound("API", id))
		return
	}
	for _, sub := range s.st.subs {
		if sub.APIID == id {
			// UNCONFIRMED (not in the references): chose 409 while subscriptions exist.
			writeError(w, conflict("Cannot remove the API as active subscriptions exist"))
			return
		}
	}
	delete(s.st.apis, id)
	s.st.apiOrder = slices.DeleteFunc(s.st.apiOrder, func(x string) bool { return x == id })
	w.WriteHeader(http.StatusOK)
}

func (s *Server) revisionCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Description string `json:"description"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(r, &body); err != nil {
			writeError(w, err)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.apis[r.PathValue("apiId")]
	if a == nil {
		writeError(w, notFound("API", r.PathValue("apiId")))
		return
	}
	if len(a.Revisions) >= 5 {
		// UNCONFIRMED (api-manager-4.md §4 gives 400/900351 only): chose this message.
		writeError(w, newAPIError(http.StatusBadRequest, 900351, "Maximum number of revisions exceeded",
			"Maximum number of revisions per API exceeded: 5"))
		return
	}
	snap := a.apiSpec
	snap.KeyManagers = slices.Clone(a.KeyManagers)
	rev := &revision{ID: uuid.NewString(), DisplayName: fmt.Sprintf("Revision %d", len(a.Revisions)+1),
		Description: body.Description, Created: s.now(), snap: snap}
	a.Revisions = append(a.Revisions, rev)
	// UNCONFIRMED (api-manager-4.md §4 gives only "201 APIRevision {id, displayName, …}"): chose the spec's
	// type for createdTime, a date-time string (publisher-api-v4.yaml APIRevision), like deployedTime below;
	// how the product's JSON provider renders the Date is not covered.
	writeJSON(w, http.StatusCreated, map[string]any{"id": rev.ID, "displayName": rev.DisplayName,
		"description": rev.Description, "createdTime": rev.Created.UTC().Format(time.RFC3339), "apiInfo": map[string]any{"id": a.ID},
		"deploymentInfo": []any{}})
}

// revisionDeploy answers 201 (not the spec's 200) and validates environment and vhost
// (ApisApiServiceImplUtils.mapAPIRevisionDeploymentWithValidation, api-manager-4.md §4).
func (s *Server) revisionDeploy(w http.ResponseWriter, r *http.Request) {
	var body []struct {
		Name               string `json:"name"`
		VHost              string `json:"vhost"`
		DisplayOnDevportal *bool  `json:"displayOnDevportal"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.apis[r.PathValue("apiId")]
	if a == nil {
		writeError(w, notFound("API", r.PathValue("apiId")))
		return
	}
	revID := r.URL.Query().Get("revisionId")
	var rev *revision
	for _, x := range a.Revisions {
		if x.ID == revID {
			rev = x
		}
	}
	if rev == nil {
		writeError(w, notFound("Revision", revID))
		return
	}
	// UNCONFIRMED (api-manager-4.md §4 gives codes 900504/900511/900512 only): messages chosen.
	var deps []*deployment
	for _, d := range body {
		var env *environment
		for i := range s.cfg.envs {
			if s.cfg.envs[i].Name == d.Name {
				env = &s.cfg.envs[i]
			}
		}
		if env == nil {
			writeError(w, newAPIError(http.StatusBadRequest, 900504, "Gateway environment not found",
				fmt.Sprintf("Gateway environment with name %s not found", d.Name)))
			return
		}
		if d.VHost == "" {
			writeError(w, newAPIError(http.StatusBadRequest, 900511, "Required field vhost is missing",
				"Required field 'vhost' not found in deployment"))
			return
		}
		if !slices.Contains(env.VHosts, d.VHost) {
			writeError(w, newAPIError(http.StatusBadRequest, 900512, "Invalid virtual host",
				fmt.Sprintf("Invalid Vhost: %s for environment %s", d.VHost, d.Name)))
			return
		}
		deps = append(deps, &deployment{RevisionID: rev.ID, Env: d.Name, VHost: d.VHost,
			Display: d.DisplayOnDevportal == nil || *d.DisplayOnDevportal, Deployed: s.now(), snap: rev.snap})
	}
	out := []map[string]any{}
	for _, d := range deps {
		a.Deployed[d.Env] = d
		s.log.Info("org.wso2.carbon.apimgt.gateway.InMemoryAPIDeployer", "Deployed %s:%s (%s) on %s", a.Name, a.Version, rev.DisplayName, d.Env)
		// UNCONFIRMED: status APPROVED chosen for a deployment without a workflow.
		out = append(out, map[string]any{"revisionUuid": d.RevisionID, "name": d.Env, "vhost": d.VHost,
			"displayOnDevportal": d.Display, "status": "APPROVED", "deployedTime": d.Deployed.Format(time.RFC3339),
			"successDeployedTime": d.Deployed.Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusCreated, out)
}

// lifecycle transitions of the default APILifeCycle.
var lifecycle = map[string]map[string]string{
	"CREATED":    {"Publish": "PUBLISHED", "Deploy as a Prototype": "PROTOTYPED"},
	"PROTOTYPED": {"Publish": "PUBLISHED", "Demote to Created": "CREATED", "Deploy as a Prototype": "PROTOTYPED"},
	"PUBLISHED":  {"Block": "BLOCKED", "Deprecate": "DEPRECATED", "Demote to Created": "CREATED", "Deploy as a Prototype": "PROTOTYPED", "Publish": "PUBLISHED"},
	"BLOCKED":    {"Re-Publish": "PUBLISHED", "Deprecate": "DEPRECATED"},
	"DEPRECATED": {"Retire": "RETIRED"},
	"RETIRED":    {},
}

// changeLifecycle answers 200 WorkflowResponse. Publishing does not require a deployment
// (UNCONFIRMED, api-manager-4.md §11 item 8: no server check found, so none is made).
func (s *Server) changeLifecycle(w http.ResponseWriter, r *http.Request) {
	id, action := r.URL.Query().Get("apiId"), r.URL.Query().Get("action")
	if miss := absent("apiId", id, "action", action); len(miss) > 0 {
		// Both query parameters are required (publisher-api-v4.yaml changeAPILifecycle).
		writeError(w, missingRequired(miss...))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.apis[id]
	if a == nil {
		writeError(w, notFound("API", id))
		return
	}
	next, ok := lifecycle[a.LifeCycle][action]
	if !ok {
		// Also an action outside the spec's enum (Publish, Deploy as a Prototype, Demote to Created, Block,
		// Deprecate, Re-Publish, Retire).
		// UNCONFIRMED: chose a 400 for a transition the lifecycle does not allow.
		writeError(w, badRequest(fmt.Sprintf("Action '%s' is not allowed", action)))
		return
	}
	a.LifeCycle = next
	s.log.Info("org.wso2.carbon.apimgt.impl.APIProviderImpl", "API %s:%s lifecycle changed to %s", a.Name, a.Version, next)
	var trans []map[string]string
	for ev, to := range lifecycle[next] {
		trans = append(trans, map[string]string{"event": ev, "targetState": titleState(to)})
	}
	slices.SortFunc(trans, func(x, y map[string]string) int { return strings.Compare(x["event"], y["event"]) })
	writeJSON(w, http.StatusOK, map[string]any{"workflowStatus": "APPROVED", "jsonPayload": "",
		"lifecycleState": map[string]any{"state": titleState(next), "checkItems": []any{}, "availableTransitions": trans}})
}

func titleState(s string) string {
	if s == "" {
		return s
	}
	return s[:1] + strings.ToLower(s[1:])
}

func orEmptyStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
