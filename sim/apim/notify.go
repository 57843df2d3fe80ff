package apim

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
)

// Event types, matched as substrings of the raw body in this order (api-manager-4.md §7).
const (
	evConsumerAppRevocation   = "consumer_app_revocation_event"
	evSubjectEntityRevocation = "subject_entity_revocation_event"
	evTokenRevocation         = "token_revocation"
)

// tokenRevocationEvent is the Gson-parsed TokenRevocationEvent.
type tokenRevocationEvent struct {
	EventID     string `json:"eventId"`
	Type        string `json:"type"`
	TenantID    int    `json:"tenantId"`
	AccessToken string `json:"accessToken"`
	ExpiryTime  int64  `json:"expiryTime"`
	User        string `json:"user"`
	ConsumerKey string `json:"consumerKey"`
	TokenType   string `json:"tokenType"`
}

type consumerAppRevocationEvent struct {
	ConsumerKey    string `json:"consumerKey"`
	RevocationTime int64  `json:"revocationTime"`
}

type subjectEntityRevocationEvent struct {
	EntityID       string `json:"entityId"`
	EntityType     string `json:"entityType"`
	RevocationTime int64  `json:"revocationTime"`
}

const notifyLogger = "org.wso2.carbon.apimgt.notification.AbstractKeyManagerEventHandler"

// notify is POST /internal/data/v1/notify (NotificationEventService.processEvent): X-WSO2-KEY-MANAGER
// selects the handler by type; only "default" (also empty) and "WSO2-IS" exist, any other value is a
// silent 200 no-op. Changes reach the gateway views synchronously here; real API-M goes through JMS.
func (s *Server) notify(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"Message": "Could not read the event"})
		return
	}
	handler := r.Header.Get("X-WSO2-KEY-MANAGER")
	if handler == "" {
		handler = typeDefault
	}
	if handler != typeDefault && handler != typeIS {
		// No handler registered for this type: nothing happens and nothing is reported.
		w.WriteHeader(http.StatusOK)
		return
	}
	body := string(raw)
	switch {
	case strings.Contains(body, evConsumerAppRevocation):
		var ev consumerAppRevocationEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			handlerFailure(w, err)
			return
		}
		s.mu.Lock()
		s.st.revokedConsumers[ev.ConsumerKey] = ev.RevocationTime
		s.mu.Unlock()
		s.log.Info(notifyLogger, "Consumer app revocation event received for consumer key %s", ev.ConsumerKey)
	case strings.Contains(body, evSubjectEntityRevocation):
		var ev subjectEntityRevocationEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			handlerFailure(w, err)
			return
		}
		// Recorded in the log only: the simulator does not enforce subject-entity revocation.
		s.log.Info(notifyLogger, "Subject entity revocation event received for %s %s", ev.EntityType, ev.EntityID)
	case strings.Contains(body, evTokenRevocation):
		var ev tokenRevocationEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			handlerFailure(w, err)
			return
		}
		s.revokeToken(ev)
	}
	w.WriteHeader(http.StatusOK)
}

func handlerFailure(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusInternalServerError, map[string]string{"Message": "Error while processing the event: " + err.Error()})
}

// revokeToken is handleTokenRevocationEvent plus the gateways' GatewayTokenRevocationMessageListener:
// JWT tokens go into the revoked map (key = jti) until expiry; every token is removed from the gateway
// token cache and, if it was cached, marked invalid (api-manager-4.md §7). The cache keys are the JWT
// path's jti and the key-validation path's full token (see validateOpaque).
func (s *Server) revokeToken(ev tokenRevocationEvent) {
	if s.opt.Faults.On("apim-notify-ignores-revocation") {
		return
	}
	if ev.TokenType == "" {
		ev.TokenType = "Default"
	}
	expiry := time.UnixMilli(ev.ExpiryTime)
	if ev.ExpiryTime <= 0 || ev.ExpiryTime == math.MaxInt64 {
		expiry = time.Unix(1<<40, 0)
	}
	s.mu.Lock()
	isJWT := ev.TokenType == "JWT" || ev.TokenType == "API_KEY"
	if isJWT {
		s.st.revoked[ev.AccessToken] = expiry
	}
	_, cached := s.st.tokenCache[ev.AccessToken]
	_, introspected := s.st.introspectCache[ev.AccessToken]
	keep := !isJWT && s.opt.Faults.On("apim-notify-keeps-opaque-token")
	if (cached || introspected) && !keep {
		delete(s.st.tokenCache, ev.AccessToken)
		delete(s.st.introspectCache, ev.AccessToken)
		s.st.invalidTokens[ev.AccessToken] = expiry
	}
	s.mu.Unlock()
	if isJWT {
		s.log.Info(notifyLogger, "Token revocation event received: JWT with jti %s of consumer key %s revoked", ev.AccessToken, ev.ConsumerKey)
	} else {
		s.log.Info(notifyLogger, "Token revocation event received: %s token of consumer key %s revoked", ev.TokenType, ev.ConsumerKey)
	}
}
