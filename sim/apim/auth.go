package apim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// requireAdmin guards /api/am/* and /internal/data/v1/*: BasicAuthenticationInterceptor accepts the
// super admin's Basic credentials (api-manager-4.md §3); a Resident-KM bearer token obtained through the
// OAuth route (DCR + password grant) is accepted too.
func (s *Server) requireAdmin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, cred, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Basic"):
			if s.isAdmin(r) {
				next(w, r)
				return
			}
		case strings.EqualFold(scheme, "Bearer"):
			if c, err := s.verifyResidentJWT(strings.TrimSpace(cred)); err == nil && c.str("sub") == s.cfg.admin && c.str("aut") == "APPLICATION_USER" {
				next(w, r)
				return
			}
		default:
			s.unauthenticated(w, true)
			return
		}
		s.unauthenticated(w, false)
	}
}

// requireBasicAdmin guards the DCR endpoint of the OAuth route, which takes Basic credentials only.
func (s *Server) requireBasicAdmin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.isAdmin(r) {
			s.unauthenticated(w, r.Header.Get("Authorization") == "")
			return
		}
		next(w, r)
	}
}

func (s *Server) isAdmin(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(s.cfg.admin)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(s.cfg.password)) == 1
}

// unauthenticated answers 401 with an ErrorDTO.
// UNCONFIRMED (api-manager-4.md §3, §7 and §11 item 7 do not give the body): chose the authenticators'
// 900902 "Missing Credentials" / 900901 "Invalid Credentials" codes as REST ErrorDTOs.
func (s *Server) unauthenticated(w http.ResponseWriter, missing bool) {
	if missing {
		writeJSON(w, http.StatusUnauthorized, newAPIError(http.StatusUnauthorized, 900902, "Missing Credentials",
			"Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN'").dto)
		return
	}
	writeJSON(w, http.StatusUnauthorized, newAPIError(http.StatusUnauthorized, 900901, "Invalid Credentials",
		"Invalid Credentials. Make sure you have provided the correct security credentials").dto)
}

// clientRegistration is client-registration/v0.17: an idempotent upsert keyed on clientName, answering
// 200 (api-manager-4.md §3).
func (s *Server) clientRegistration(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CallbackURL string `json:"callbackUrl"`
		ClientName  string `json:"clientName"`
		Owner       string `json:"owner"`
		GrantType   string `json:"grantType"`
		SaasApp     bool   `json:"saasApp"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.ClientName == "" {
		writeError(w, badRequest("clientName is required"))
		return
	}
	s.mu.Lock()
	c, ok := s.st.restClients[req.ClientName]
	if !ok {
		c = &residentClient{ID: randomKey(), Secret: randomKey(), Owner: s.cfg.admin, Name: req.ClientName,
			Grants: strings.Fields(req.GrantType), AppID: uuid.NewString(), Callback: req.CallbackURL, SaaS: req.SaasApp}
		s.st.restClients[req.ClientName] = c
		s.st.residentClients[c.ID] = c
	}
	s.mu.Unlock()
	// The response describes the stored client (a re-POST returns the existing one). jsonString carries the
	// OAuth app's grant_types, redirect_uris and client_name as a JSON string, as in the sample response of
	// the REST APIs' OpenAPI description; tokenType is null there.
	js, _ := json.Marshal(map[string]string{"grant_types": strings.Join(c.Grants, " "), "redirect_uris": c.Callback,
		"client_name": c.Name})
	writeJSON(w, http.StatusOK, map[string]any{
		"clientId": c.ID, "clientName": c.Name, "callBackURL": c.Callback, "clientSecret": c.Secret,
		"isSaasApplication": c.SaaS, "appOwner": c.Owner, "jsonString": string(js), "jsonAppAttribute": "{}",
		"tokenType": nil,
	})
}
