package apim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kmconform/kmconform/sim/simnet"
)

// routeKeyLifecycle adds the key-mapping operations after key generation (devportal-api-v3.yaml
// /applications/{applicationId}/oauth-keys/{keyMappingId} PUT and …/regenerate-secret POST).
func (s *Server) routeKeyLifecycle(mux *http.ServeMux, base string) {
	mux.HandleFunc("PUT "+base+"/oauth-keys/{mapId}", s.requireAdmin(s.updateKeys))
	mux.HandleFunc("POST "+base+"/oauth-keys/{mapId}/regenerate-secret", s.requireAdmin(s.regenerateSecret))
}

// updateKeysRequest is the part of the ApplicationKey body the PUT reads (the spec: "Consumer Key and
// Consumer Secret are ignored").
type updateKeysRequest struct {
	KeyMappingID         string   `json:"keyMappingId"`
	KeyManager           string   `json:"keyManager"`
	SupportedGrantTypes  []string `json:"supportedGrantTypes"`
	CallbackURL          string   `json:"callbackUrl"`
	AdditionalProperties any      `json:"additionalProperties"`
}

// updateKeys is PUT …/oauth-keys/{keyMappingId} (api-manager-4.md §5; identity-server-7.md §7 "Update =
// PUT /register/{client_id} with client_id/client_secret instead of ext_param_*"): the connector's
// updateApplication sends the OAuth client's new grant types, redirect URIs and application properties
// to the KM's DCR endpoint, and the answer is built from what the KM returned.
// derived (carbon-apimgt store ApplicationsApiServiceImpl.applicationsApplicationIdOauthKeysKeyMappingIdPut,
// outside the reference): the body's grant types are joined with commas into the OAuth app request; the
// answer's supportedGrantTypes and callbackUrl come from the KM (grant_types; redirect_uris joined with
// commas), consumerKey/consumerSecret are the KM's client_id/client_secret, keyType is the mapping's, and
// keyMappingId and keyManager are echoed from the request body (absent when the body has none).
func (s *Server) updateKeys(w http.ResponseWriter, r *http.Request) {
	var req updateKeysRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	props := map[string]any{}
	switch p := req.AdditionalProperties.(type) {
	case map[string]any:
		props = p
	case string:
		if strings.TrimSpace(p) != "" {
			if err := json.Unmarshal([]byte(p), &props); err != nil {
				writeError(w, badRequest("additionalProperties is not a JSON object"))
				return
			}
		}
	}
	s.mu.Lock()
	m, km, err := s.completedMapping(r)
	if err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	app := s.st.apps[m.AppID]
	keyType, ck, cs, resident := m.KeyType, m.ConsumerKey, m.ConsumerSecret, km.Type == typeDefault
	target := dcrTargetOf(km, ck)
	clientName := dcrClientName(km.Type, app.Owner, app.Name, app.ID, keyType)
	appName := app.Name
	s.mu.Unlock()

	grants, callback := req.SupportedGrantTypes, req.CallbackURL
	outProps := props
	if !resident && !s.opt.Faults.On("apim-keys-update-not-sent-to-is") {
		res, err := s.dcrUpdate(r.Context(), target, dcrInput{kmType: target.kmType, clientName: clientName, appName: appName,
			grants: grants, callback: callback, props: props}, cs)
		if err != nil {
			s.log.Error("org.wso2.is7.client.WSO2IS7KeyManager", "Error occurred while updating OAuth Client : %s. Caused by: %s",
				ck, simnet.JavaError(err, ""))
			// UNCONFIRMED (api-manager-4.md §5 does not cover a failed update): chose a 500 ErrorDTO.
			writeError(w, internalError("Error occurred while updating OAuth Client"))
			return
		}
		grants, callback, ck, cs = res.GrantTypes, strings.Join(res.RedirectURIs, ","), res.ClientID, res.ClientSecret
		outProps = res.properties()
	}
	s.mu.Lock()
	if resident {
		if c := s.st.residentClients[ck]; c != nil {
			c.Grants = grants
		}
	}
	m.Grants, m.CallbackURL, m.Props = grants, callback, props
	s.mu.Unlock()
	dto := map[string]any{"consumerKey": ck, "consumerSecret": cs, "supportedGrantTypes": orEmptyStrings(grants),
		"callbackUrl": callback, "keyType": keyType, "additionalProperties": outProps}
	if req.KeyMappingID != "" {
		dto["keyMappingId"] = req.KeyMappingID
	}
	if req.KeyManager != "" {
		dto["keyManager"] = req.KeyManager
	}
	s.log.Info("org.wso2.carbon.apimgt.impl.APIConsumerImpl", "%s keys of application %s updated", keyType, appName)
	writeJSON(w, http.StatusOK, dto)
}

// regenerateSecret is POST …/oauth-keys/{keyMappingId}/regenerate-secret (api-manager-4.md §5). The REST
// layer asks the mapping's KM for a new secret (APIConsumerImpl.renewConsumerSecret →
// KeyManager.getNewApplicationConsumerSecret) and answers {consumerKey, consumerSecret} with whatever it
// returned.
//   - Resident KM: a new secret; the old one stops working (derived: AMDefaultKeyManagerImpl regenerates
//     the secret of API-M's own OAuth app).
//   - WSO2-IS-7: the connector does not implement it ("return null; // Implementation is not
//     applicable." in WSO2IS7KeyManager.getNewApplicationConsumerSecret, apim-km-wso2is v2.0.2 … v2.1.2,
//     outside the reference), so nothing changes at IS and the answer carries no secret.
//
// UNCONFIRMED (the reference gives the answer as {consumerKey, consumerSecret}; the REST layer builds it as
// an ApplicationKey whose other members are null): chose to write consumerKey and a null consumerSecret.
func (s *Server) regenerateSecret(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, km, err := s.completedMapping(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var secret any
	switch {
	case km.Type == typeDefault:
		c := s.st.residentClients[m.ConsumerKey]
		if c == nil {
			writeError(w, badRequest("Consumer key not found"))
			return
		}
		c.Secret = randomKey()
		m.ConsumerSecret = c.Secret
		secret = c.Secret
	case s.opt.Faults.On("apim-regenerate-secret-not-at-is"):
		m.ConsumerSecret = randomKey()
		secret = m.ConsumerSecret
	}
	s.log.Info("org.wso2.carbon.apimgt.impl.APIConsumerImpl", "Consumer secret of %s renewed at Key Manager %s", m.ConsumerKey, km.Name)
	writeJSON(w, http.StatusOK, map[string]any{"consumerKey": m.ConsumerKey, "consumerSecret": secret})
}

// dcrApp is the part of IS's ApplicationDTO the connector's buildDTOFromClientInfo reads.
type dcrApp struct {
	ClientID             string   `json:"client_id"`
	ClientSecret         string   `json:"client_secret"`
	RedirectURIs         []string `json:"redirect_uris"`
	GrantTypes           []string `json:"grant_types"`
	AppTokenLifetime     int64    `json:"ext_application_token_lifetime"`
	UserTokenLifetime    int64    `json:"ext_user_token_lifetime"`
	RefreshTokenLifetime int64    `json:"ext_refresh_token_lifetime"`
	IDTokenLifetime      int64    `json:"ext_id_token_lifetime"`
	PKCEMandatory        bool     `json:"ext_pkce_mandatory"`
	PKCESupportPlain     bool     `json:"ext_pkce_support_plain"`
	PublicClient         bool     `json:"ext_public_client"`
}

func (a dcrApp) id() string { return a.ClientID }

// properties are the application properties buildDTOFromClientInfo reports back.
func (a dcrApp) properties() map[string]any {
	return map[string]any{
		"ext_application_token_lifetime": a.AppTokenLifetime, "ext_user_token_lifetime": a.UserTokenLifetime,
		"ext_refresh_token_lifetime": a.RefreshTokenLifetime, "ext_id_token_lifetime": a.IDTokenLifetime,
		"ext_pkce_mandatory": a.PKCEMandatory, "ext_pkce_support_plain": a.PKCESupportPlain,
		"ext_public_client": a.PublicClient,
	}
}

// dcrUpdate is the connector's updateApplication: PUT <DCR endpoint>/{client_id} with the create body plus
// client_id and client_secret (identity-server-7.md §7).
func (s *Server) dcrUpdate(ctx context.Context, t dcrTarget, in dcrInput, secret string) (dcrApp, error) {
	b := s.dcrBody(in)
	b["client_id"] = t.clientID
	if secret != "" {
		b["client_secret"] = secret
	}
	body, err := json.Marshal(b)
	if err != nil {
		return dcrApp{}, fmt.Errorf("encode DCR update: %w", err)
	}
	return dcrClientCall[dcrApp](ctx, s, t, http.MethodPut, "application/json", body, "DCR update")
}
