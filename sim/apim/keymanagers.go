package apim

import (
	"net/http"
	"sort"

	"github.com/google/uuid"
)

const adminBase = "/api/am/admin/v4"

func (s *Server) routeAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET "+adminBase+"/key-managers", s.requireAdmin(s.kmList))
	mux.HandleFunc("POST "+adminBase+"/key-managers", s.requireAdmin(s.kmCreate))
	mux.HandleFunc("POST "+adminBase+"/key-managers/discover", s.requireAdmin(s.kmDiscover))
	mux.HandleFunc("GET "+adminBase+"/key-managers/{id}", s.requireAdmin(s.kmGet))
	mux.HandleFunc("PUT "+adminBase+"/key-managers/{id}", s.requireAdmin(s.kmUpdate))
	mux.HandleFunc("DELETE "+adminBase+"/key-managers/{id}", s.requireAdmin(s.kmDelete))
	mux.HandleFunc("GET "+adminBase+"/settings", s.requireAdmin(s.adminSettings))
}

// residentKM is the Resident Key Manager every tenant has (api-manager-4.md §2.2): type default, backed
// by API-M's own OAuth endpoints, issuer following [server] hostname (UNCONFIRMED, §11 item 15).
func (s *Server) residentKM() *keyManager {
	base := s.cfg.baseURL()
	return &keyManager{
		ID: uuid.NewString(), Name: residentKMName, DisplayName: residentKMName, Type: typeDefault,
		Description: "This is Resident Key Manager", Enabled: true, TokenType: "DIRECT",
		Props: map[string]any{
			// UNCONFIRMED (api-manager-4.md §2 issuer-collision notes, §11 item 15): chose
			// https://<[server] hostname>:<9443+offset>/oauth2/token.
			"issuer":                         base + "/oauth2/token",
			"token_endpoint":                 base + "/oauth2/token",
			"revoke_endpoint":                base + "/oauth2/revoke",
			"introspection_endpoint":         base + "/oauth2/introspect",
			"authorize_endpoint":             base + "/oauth2/authorize",
			"userinfo_endpoint":              base + "/oauth2/userinfo",
			"certificate_type":               "JWKS",
			"certificate_value":              base + "/oauth2/jwks",
			"consumer_key_claim":             "azp",
			"scopes_claim":                   "scope",
			"self_validate_jwt":              true,
			"enable_oauth_app_creation":      true,
			"enable_map_oauth_consumer_apps": true,
			"enable_token_generation":        true,
			"enable_token_hash":              false,
			"enable_token_encryption":        false,
			"grant_types": []any{"client_credentials", "password", "refresh_token", "authorization_code",
				"urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer",
				"urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:device_code"},
		},
	}
}

func (s *Server) kmList(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]any{}
	for _, km := range s.st.kms {
		// KeyManagerInfo (admin-api-v4.yaml) has no displayName, unlike the devportal's KeyManagerInfo.
		list = append(list, map[string]any{
			"id": km.ID, "name": km.Name, "type": km.Type,
			"description": km.Description, "enabled": km.Enabled, "isGlobal": km.Global,
			"isUsed": s.st.kmInUse(km), "tokenType": km.TokenType,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list})
}

// readKM reads a KeyManagerDTO request body (POST and PUT).
func (s *Server) readKM(r *http.Request) (*keyManager, error) {
	var dto map[string]any
	if err := readJSON(r, &dto); err != nil {
		return nil, err
	}
	return s.kmFromDTO(dto)
}

func kmNotFound() *apiError {
	return newAPIError(http.StatusNotFound, 901411, "Key Manager not found", "Key Manager not found")
}

func (s *Server) kmCreate(w http.ResponseWriter, r *http.Request) {
	km, err := s.readKM(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// APIAdminImpl.addKeyManagerConfiguration checks the name first, then validates the configuration.
	if km.Name != "" && s.st.kmByName(km.Name) != nil && !s.opt.Faults.On("apim-km-duplicate-name-accepted") {
		writeError(w, newAPIError(http.StatusConflict, 901402, "Key Manager Already Exists", "Key Manager Already Exists"))
		return
	}
	if err := s.validateKM(km); err != nil {
		writeError(w, err)
		return
	}
	km.ID = uuid.NewString()
	if err := s.idpOnCreate(km); err != nil {
		writeError(w, err)
		return
	}
	km.Created = s.now()
	if s.opt.Faults.On("apim-km-issuer-first-wins") {
		s.st.addKMKeepIssuer(km)
	} else {
		s.st.addKM(km)
	}
	s.log.Info("org.wso2.carbon.apimgt.impl.APIAdminImpl", "Key Manager %s of type %s added", km.Name, km.Type)
	w.Header().Set("Location", "key-managers/"+km.ID)
	writeJSON(w, http.StatusCreated, s.kmToDTO(km))
}

func (s *Server) kmGet(w http.ResponseWriter, r *http.Request) {
	s.withKM(w, r, func(km *keyManager) { writeJSON(w, http.StatusOK, s.kmToDTO(km)) })
}

// withKM runs f on the key manager {id} under s.mu, or answers 404.
func (s *Server) withKM(w http.ResponseWriter, r *http.Request, f func(km *keyManager)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	km := s.st.kmByID(r.PathValue("id"))
	if km == nil {
		writeError(w, kmNotFound())
		return
	}
	f(km)
}

func (s *Server) kmUpdate(w http.ResponseWriter, r *http.Request) {
	upd, err := s.readKM(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.withKM(w, r, func(old *keyManager) {
		if old.Name != upd.Name {
			writeError(w, badRequest("Key Manager name couldn't able to change"))
			return
		}
		// encryptKeyManagerConfigurationValues: a masked field sent back as "*****" keeps its stored value.
		for _, f := range s.connectorFields(old.Type) {
			if f.mask && upd.Props[f.name] == maskedValue && !s.opt.Faults.On("apim-km-mask-overwrites-password") {
				if v, ok := old.Props[f.name]; ok {
					upd.Props[f.name] = v
				}
			}
		}
		if err := s.validateKM(upd); err != nil {
			writeError(w, err)
			return
		}
		upd.ID, upd.Created = old.ID, old.Created
		if err := s.idpOnUpdate(old, upd); err != nil {
			writeError(w, err)
			return
		}
		// KeyManagerHolder.updateKeyManagerConfiguration: remove the held KM (by its old issuer), then add
		// it again, which re-puts its issuer (gatewayKMs). Under fault apim-gateway-keeps-disabled-km the
		// disabling update never reaches the gateway: its KeyManagerHolder view stays as it was.
		toGateway := !(s.opt.Faults.On("apim-gateway-keeps-disabled-km") && old.Enabled && !upd.Enabled)
		if toGateway {
			s.st.gw.remove(old)
		}
		*old = *upd
		if toGateway {
			s.st.gw.add(old)
			delete(s.st.jwks, old.ID)
		}
		s.log.Info("org.wso2.carbon.apimgt.impl.APIAdminImpl", "Key Manager %s updated", old.Name)
		writeJSON(w, http.StatusOK, s.kmToDTO(old))
	})
}

func (s *Server) kmDelete(w http.ResponseWriter, r *http.Request) {
	s.withKM(w, r, func(km *keyManager) {
		if km.Name == residentKMName {
			// UNCONFIRMED (api-manager-4.md §2 says only "cannot be deleted"): chose APIAdminImpl's
			// "Resident Key Manager couldn't delete" with ExceptionCodes.INTERNAL_ERROR.
			writeError(w, newAPIError(http.StatusInternalServerError, 900967, "General Error", residentKMName+" couldn't delete"))
			return
		}
		if s.st.kmInUse(km) && !s.opt.Faults.On("apim-km-delete-in-use") {
			writeError(w, newAPIError(http.StatusPreconditionFailed, 902015,
				"Key Manager is already used by an API or an Application.", "Key Manager is already used by an API or an Application."))
			return
		}
		s.st.gw.remove(km)
		s.idpOnDelete(km)
		for i, k := range s.st.kms {
			if k == km {
				s.st.kms = append(s.st.kms[:i], s.st.kms[i+1:]...)
				break
			}
		}
		delete(s.st.jwks, km.ID)
		s.log.Info("org.wso2.carbon.apimgt.impl.APIAdminImpl", "Key Manager %s deleted", km.Name)
		w.WriteHeader(http.StatusOK)
	})
}

// adminSettings exposes keyManagerConfiguration[] so clients can see which connector types exist and
// which fields they require; authConfigurations appear from 4.6 (api-manager-4.md §2, §10 item 1).
func (s *Server) adminSettings(w http.ResponseWriter, _ *http.Request) {
	display := map[string]string{typeDefault: "Resident Key Manager", typeIS: "WSO2 Identity Server", typeIS7: "WSO2 Identity Server 7",
		typeCustom: "Custom", typeAsgardeo: "Asgardeo", typeOBKM: "ObKeyManager"}
	var out []map[string]any
	types := s.kmTypes()
	sort.Strings(types)
	for _, t := range types {
		conn, auth := []map[string]any{}, []map[string]any{}
		for _, f := range s.connectorFields(t) {
			values := []any{}
			for _, v := range f.values {
				values = append(values, v)
			}
			m := map[string]any{"name": f.name, "label": f.label, "type": f.kind, "required": f.required,
				"mask": f.mask, "multiple": false, "tooltip": "", "default": "", "values": values}
			if f.auth {
				auth = append(auth, m)
			} else {
				conn = append(conn, m)
			}
		}
		kc := map[string]any{"type": t, "displayName": display[t], "defaultConsumerKeyClaim": "azp",
			"defaultScopesClaim": "scope", "configurations": conn, "endpointConfigurations": []any{}}
		if s.ver >= 6 {
			kc["authConfigurations"] = auth
		}
		out = append(out, kc)
	}
	writeJSON(w, http.StatusOK, map[string]any{"scopes": []any{}, "keyManagerConfiguration": out, "analyticsEnabled": false})
}
