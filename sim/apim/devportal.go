package apim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

const devportalBase = "/api/am/devportal/v3"

type application struct {
	ID, Name, Owner, Policy, Description string
	Attributes                           map[string]any
	Created                              time.Time
}

type subscription struct {
	ID, AppID, APIID, Policy, Status string
}

func (s *Server) routeDevPortal(mux *http.ServeMux) {
	mux.HandleFunc("GET "+devportalBase+"/key-managers", s.requireAdmin(s.devKeyManagers))
	mux.HandleFunc("POST "+devportalBase+"/applications", s.requireAdmin(s.appCreate))
	mux.HandleFunc("GET "+devportalBase+"/applications", s.requireAdmin(s.appList))
	mux.HandleFunc("GET "+devportalBase+"/applications/{appId}", s.requireAdmin(s.appGet))
	mux.HandleFunc("DELETE "+devportalBase+"/applications/{appId}", s.requireAdmin(s.appDelete))
	mux.HandleFunc("POST "+devportalBase+"/subscriptions", s.requireAdmin(s.subCreate))
	mux.HandleFunc("GET "+devportalBase+"/subscriptions", s.requireAdmin(s.subList))
	mux.HandleFunc("DELETE "+devportalBase+"/subscriptions/{subId}", s.requireAdmin(s.subDelete))
	s.routeKeys(mux)
}

var applicationTiers = []string{"Unlimited", "10PerMin", "20PerMin", "50PerMin"}

// appCreate answers 201; tokenType is forced to JWT whatever the request says (api-manager-4.md §5).
func (s *Server) appCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name             string         `json:"name"`
		ThrottlingPolicy string         `json:"throttlingPolicy"`
		Description      string         `json:"description"`
		Attributes       map[string]any `json:"attributes"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	if miss := absent("name", body.Name, "throttlingPolicy", body.ThrottlingPolicy); len(miss) > 0 {
		writeError(w, missingRequired(miss...)) // Application.required (devportal-api-v3.yaml)
		return
	}
	if !slices.Contains(applicationTiers, body.ThrottlingPolicy) {
		// UNCONFIRMED (not in the references): chose a 400 for an unknown application tier.
		writeError(w, badRequest(fmt.Sprintf("Specified throttling tier %s is invalid", body.ThrottlingPolicy)))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.st.apps {
		if a.Name == body.Name && a.Owner == s.cfg.admin {
			writeError(w, conflict("An application already exists with name "+body.Name))
			return
		}
	}
	app := &application{ID: uuid.NewString(), Name: body.Name, Owner: s.cfg.admin, Policy: body.ThrottlingPolicy,
		Description: body.Description, Attributes: body.Attributes, Created: s.now()}
	if app.Attributes == nil {
		app.Attributes = map[string]any{}
	}
	s.st.apps[app.ID] = app
	w.Header().Set("Location", devportalBase+"/applications/"+app.ID)
	writeJSON(w, http.StatusCreated, s.appDTO(app))
}

func (s *Server) appDTO(a *application) map[string]any {
	subs := 0
	for _, sub := range s.st.subs {
		if sub.AppID == a.ID {
			subs++
		}
	}
	keys := []map[string]any{}
	for _, m := range s.st.mappingsOf(a.ID) {
		keys = append(keys, s.keyDTO(m, ""))
	}
	ms := fmt.Sprint(a.Created.UnixMilli())
	return map[string]any{"applicationId": a.ID, "name": a.Name, "throttlingPolicy": a.Policy,
		"description": a.Description, "tokenType": "JWT", "status": "APPROVED", "groups": []string{},
		"subscriptionCount": subs, "keys": keys, "attributes": a.Attributes, "subscriptionScopes": []any{},
		"owner": a.Owner, "hashEnabled": false, "createdTime": ms, "updatedTime": ms}
}

func (s *Server) appList(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]any{}
	for _, a := range s.st.apps {
		// ApplicationInfo (devportal-api-v3.yaml) has no keys, subscriptionScopes or hashEnabled.
		d := s.appDTO(a)
		for _, k := range []string{"keys", "subscriptionScopes", "hashEnabled"} {
			delete(d, k)
		}
		list = append(list, d)
	}
	slices.SortFunc(list, func(x, y map[string]any) int { return strings.Compare(str(x["name"]), str(y["name"])) })
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list,
		"pagination": map[string]any{"offset": 0, "limit": 25, "total": len(list)}})
}

func (s *Server) appGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.apps[r.PathValue("appId")]
	if a == nil {
		writeError(w, notFound("application", r.PathValue("appId")))
		return
	}
	writeJSON(w, http.StatusOK, s.appDTO(a))
}

// appDelete removes the application with its subscriptions and key mappings, and deletes the OAuth
// apps that IS 7 Key Managers hold for it (best effort, as the connector's deleteApplication).
func (s *Server) appDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("appId")
	s.mu.Lock()
	if s.st.apps[id] == nil {
		s.mu.Unlock()
		writeError(w, notFound("application", id))
		return
	}
	var remote []dcrTarget
	ghost := s.opt.Faults.On("apim-gateway-keeps-deleted-app")
	for _, m := range s.st.mappingsOf(id) {
		// UNCONFIRMED (not in the references): a mapped client (map-keys) is left at the KM, as API-M calls the
		// connector's deleteMappedApplication rather than deleteApplication for it; chose to keep it.
		if km := s.st.kmByID(m.KMID); km != nil && m.ConsumerKey != "" && km.Type != typeDefault && !m.Mapped &&
			!s.opt.Faults.On("apim-app-delete-keeps-is-client") {
			remote = append(remote, dcrTargetOf(km, m.ConsumerKey))
		}
		if ghost {
			s.st.ghostMappings = append(s.st.ghostMappings, m)
		}
		delete(s.st.mappings, m.ID)
		delete(s.st.residentClients, m.ConsumerKey)
	}
	for sid, sub := range s.st.subs {
		if sub.AppID == id {
			if ghost {
				s.st.ghostSubs = append(s.st.ghostSubs, sub)
			}
			delete(s.st.subs, sid)
		}
	}
	delete(s.st.apps, id)
	s.mu.Unlock()
	for _, t := range remote {
		s.dcrDelete(r.Context(), t)
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) subCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ApplicationID    string `json:"applicationId"`
		APIID            string `json:"apiId"`
		ThrottlingPolicy string `json:"throttlingPolicy"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, err)
		return
	}
	if miss := absent("applicationId", body.ApplicationID, "throttlingPolicy", body.ThrottlingPolicy); len(miss) > 0 {
		writeError(w, missingRequired(miss...)) // Subscription.required (devportal-api-v3.yaml)
		return
	}
	if body.APIID == "" {
		// The spec leaves apiId optional because an API Product may be subscribed instead; the simulator has
		// no API Products. UNCONFIRMED (not in api-manager-4.md): chose this 400 description.
		writeError(w, badRequest("Either apiId or apiProductId should be provided"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.st.apps[body.ApplicationID]
	if app == nil {
		writeError(w, notFound("application", body.ApplicationID))
		return
	}
	a := s.st.apis[body.APIID]
	if a == nil || (a.LifeCycle != "PUBLISHED" && a.LifeCycle != "PROTOTYPED") {
		// An API that is not published is not visible in the Developer Portal.
		writeError(w, notFound("API", body.APIID))
		return
	}
	for _, sub := range s.st.subs {
		if sub.AppID == app.ID && sub.APIID == a.ID {
			writeError(w, conflict(fmt.Sprintf("Specified subscription already exists for API %s, for application %s", a.ID, app.ID)))
			return
		}
	}
	sub := &subscription{ID: uuid.NewString(), AppID: app.ID, APIID: a.ID, Policy: body.ThrottlingPolicy, Status: "UNBLOCKED"}
	s.st.subs[sub.ID] = sub
	s.log.Info("org.wso2.carbon.apimgt.impl.APIConsumerImpl", "Subscription created for API %s:%s by application %s", a.Name, a.Version, app.Name)
	writeJSON(w, http.StatusCreated, s.subDTO(sub))
}

func (s *Server) subDTO(sub *subscription) map[string]any {
	d := map[string]any{"subscriptionId": sub.ID, "applicationId": sub.AppID, "apiId": sub.APIID,
		"throttlingPolicy": sub.Policy, "requestedThrottlingPolicy": sub.Policy, "status": sub.Status}
	if a := s.st.apis[sub.APIID]; a != nil {
		d["apiInfo"] = map[string]any{"id": a.ID, "name": a.Name, "context": a.Context, "version": a.Version,
			"provider": a.Provider, "lifeCycleStatus": a.LifeCycle}
	}
	if app := s.st.apps[sub.AppID]; app != nil {
		d["applicationInfo"] = map[string]any{"applicationId": app.ID, "name": app.Name, "throttlingPolicy": app.Policy,
			"owner": app.Owner, "tokenType": "JWT", "status": "APPROVED"}
	}
	return d
}

func (s *Server) subList(w http.ResponseWriter, r *http.Request) {
	apiID, appID := r.URL.Query().Get("apiId"), r.URL.Query().Get("applicationId")
	if apiID == "" && appID == "" {
		writeError(w, badRequest("Either applicationId or apiId should be available"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]any{}
	for _, sub := range s.st.subs {
		if (apiID == "" || sub.APIID == apiID) && (appID == "" || sub.AppID == appID) {
			list = append(list, s.subDTO(sub))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list,
		"pagination": map[string]any{"offset": 0, "limit": 25, "total": len(list)}})
}

func (s *Server) subDelete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("subId")
	if s.st.subs[id] == nil {
		writeError(w, notFound("subscription", id))
		return
	}
	delete(s.st.subs, id)
	w.WriteHeader(http.StatusOK)
}

// devKeyManagers lists KeyManagerInfo: tokenEndpoint is display_token_endpoint when non-blank, else
// token_endpoint, and likewise for revoke (store KeyManagerMappingUtil, api-manager-4.md §5).
func (s *Server) devKeyManagers(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]any{}
	for _, km := range s.st.kms {
		pick := func(display, real string) string {
			if v := strings.TrimSpace(km.prop(display)); v != "" {
				return v
			}
			return km.prop(real)
		}
		list = append(list, map[string]any{
			"id": km.ID, "name": km.Name, "type": km.Type, "displayName": km.DisplayName,
			"description": km.Description, "enabled": km.Enabled,
			"availableGrantTypes":        orEmpty(anySlice(km.Props["grant_types"])),
			"tokenEndpoint":              pick("display_token_endpoint", "token_endpoint"),
			"revokeEndpoint":             pick("display_revoke_endpoint", "revoke_endpoint"),
			"userInfoEndpoint":           km.prop("userinfo_endpoint"),
			"enableTokenGeneration":      km.flag("enable_token_generation", false),
			"enableTokenEncryption":      km.flag("enable_token_encryption", false),
			"enableTokenHashing":         km.flag("enable_token_hash", false),
			"enableOAuthAppCreation":     km.flag("enable_oauth_app_creation", false),
			"enableMapOAuthConsumerApps": km.flag("enable_map_oauth_consumer_apps", false),
			"applicationConfiguration":   applicationConfiguration(km.Type),
			"alias":                      km.Alias,
			"additionalProperties":       map[string]any{},
			"tokenType":                  km.TokenType,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list})
}

// applicationConfiguration lists the app-level connector fields sent with generate-keys (§2.2).
func applicationConfiguration(kmType string) []map[string]any {
	var names []string
	switch kmType {
	case typeIS7:
		names = []string{"ext_application_token_lifetime", "ext_user_token_lifetime", "ext_refresh_token_lifetime",
			"ext_id_token_lifetime", "ext_pkce_mandatory", "ext_pkce_support_plain", "ext_public_client"}
	case typeDefault:
		names = []string{"application_access_token_expiry_time", "user_access_token_expiry_time",
			"refresh_token_expiry_time", "id_token_expiry_time", "pkceMandatory", "pkceSupportPlain", "bypassClientCredentials"}
	}
	out := []map[string]any{}
	for _, n := range names {
		kind := "input"
		if strings.Contains(strings.ToLower(n), "pkce") || strings.Contains(n, "public") || strings.Contains(n, "bypass") {
			kind = "checkbox"
		}
		out = append(out, map[string]any{"name": n, "label": n, "type": kind, "required": false, "mask": false,
			"multiple": false, "tooltip": "", "default": "", "values": []any{}})
	}
	return out
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}
