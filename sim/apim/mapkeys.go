package apim

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/kmconform/kmconform/sim/simnet"
)

// Out-of-band provisioning: POST /applications/{id}/map-keys maps an OAuth client that already exists at a
// Key Manager to an application (devportal-api-v3.yaml ApplicationKeyMappingRequest; carbon-apimgt
// ApplicationsApiServiceImpl.applicationsApplicationIdMapKeysPost → APIConsumerImpl.mapExistingOAuthClient
// with token type DEFAULT; the IS 7 connector's mapOAuthApplication reads the client from IS's DCR
// endpoint and refuses a secret that is not the client's: "The secret key is wrong for the given consumer
// key <key>"). It is how an application gets an IS client whose tokens are opaque: API-M forces every
// application it creates to JWT (api-manager-4.md §5) and the connector then registers JWT clients.

func (s *Server) routeMapKeys(mux *http.ServeMux) {
	mux.HandleFunc("POST "+devportalBase+"/applications/{appId}/map-keys", s.requireAdmin(s.mapKeys))
}

type mapKeysRequest struct {
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
	KeyManager     string `json:"keyManager"`
	KeyType        string `json:"keyType"`
}

func (s *Server) mapKeys(w http.ResponseWriter, r *http.Request) {
	var req mapKeysRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if miss := absent("consumerKey", req.ConsumerKey, "keyType", req.KeyType); len(miss) > 0 {
		writeError(w, missingRequired(miss...))
		return
	}
	if err := validKeyType(req.KeyType); err != nil {
		writeError(w, err)
		return
	}
	ref := kmRef(req.KeyManager)
	s.mu.Lock()
	app, err := s.pathApp(r)
	if err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	km, _ := s.st.kmByRef(ref)
	if km == nil || !km.Enabled {
		s.mu.Unlock()
		writeError(w, kmNotRegistered(ref))
		return
	}
	if !km.flag("enable_map_oauth_consumer_apps", false) {
		s.mu.Unlock()
		// UNCONFIRMED (api-manager-4.md does not cover map-keys): chose a 400 naming the disabled option.
		writeError(w, badRequest(fmt.Sprintf("Key Manager %s doesn't support mapping existing OAuth applications", km.Name)))
		return
	}
	if err := s.st.mappingExists(app, km, req.KeyType); err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	resident := km.Type == typeDefault
	target := dcrTargetOf(km, req.ConsumerKey)
	rc := s.st.residentClients[req.ConsumerKey]
	kmName, appName := km.Name, app.Name
	s.mu.Unlock()

	var grants []string
	var callback string
	if km.Type == typeCustom {
		// Out-of-band provisioning (configure-custom-km-out-of-band, API-M 4.5 docs): no connector reads the
		// client; the consumer key alone is mapped and the secret is not needed.
	} else if resident {
		// UNCONFIRMED (the Resident KM's mapping is outside the references): chose to compare with its own
		// clients and answer a mismatch like the IS 7 connector.
		if rc == nil || rc.Secret != req.ConsumerSecret {
			writeError(w, internalError("The secret key is wrong for the given consumer key "+req.ConsumerKey))
			return
		}
		grants = rc.Grants
	} else {
		c, err := s.dcrRetrieve(r.Context(), target)
		if err != nil {
			s.log.Error("org.wso2.is7.client.WSO2IS7KeyManager", "Some thing went wrong while getting OAuth application for given consumer key %s. Caused by: %s",
				req.ConsumerKey, simnet.JavaError(err, ""))
			// UNCONFIRMED (the references do not give the REST answer of a failed mapping): chose a 500
			// ErrorDTO, the handling of an APIManagementException without an error handler.
			writeError(w, internalError("Some thing went wrong while getting OAuth application for given consumer key "+req.ConsumerKey))
			return
		}
		if c.ClientSecret != req.ConsumerSecret {
			// UNCONFIRMED (the connector throws a plain APIManagementException): chose the same 500 ErrorDTO.
			writeError(w, internalError("The secret key is wrong for the given consumer key "+req.ConsumerKey))
			return
		}
		grants, callback = c.GrantTypes, strings.Join(c.RedirectURIs, ",")
	}
	s.mu.Lock()
	if s.st.apps[app.ID] == nil {
		s.mu.Unlock()
		writeError(w, notFound("application", app.ID))
		return
	}
	m := &keyMapping{ID: uuid.NewString(), AppID: app.ID, KeyType: req.KeyType, KMID: km.ID, KMRef: ref,
		ConsumerKey: req.ConsumerKey, ConsumerSecret: req.ConsumerSecret, State: "COMPLETED", Grants: grants,
		CallbackURL: callback, Props: map[string]any{}, Mapped: true}
	s.st.mappings[m.ID] = m
	dto := s.keyDTO(m, req.KeyManager)
	s.mu.Unlock()
	s.log.Info("org.wso2.carbon.apimgt.impl.APIConsumerImpl", "%s keys of consumer key %s mapped to application %s with Key Manager %s",
		req.KeyType, req.ConsumerKey, appName, kmName)
	writeJSON(w, http.StatusOK, dto)
}

// dcrClient is the part of IS's DCR answer the connector keeps when it reads a client.
type dcrClient struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	GrantTypes   []string `json:"grant_types"`
	RedirectURIs []string `json:"redirect_uris"`
}

// dcrRetrieve is the connector's retrieveApplication: GET clientRegistrationEndpoint/{client_id} with the
// connector's credentials. IS answers an unknown client with 401 and no body (identity-server-7.md §7).
func (s *Server) dcrRetrieve(ctx context.Context, t dcrTarget) (dcrClient, error) {
	return dcrClientCall[dcrClient](ctx, s, t, http.MethodGet, "", nil, "DCR")
}

func (c dcrClient) id() string { return c.ClientID }
