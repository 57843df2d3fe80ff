package apim

import (
	"context"
	"errors"
	"net/http"

	"github.com/kmconform/kmconform/sim/simnet"
)

// scopeTarget is what a KM's connector needs to register scopes, copied out under the lock.
type scopeTarget struct {
	dcrTarget
	kmName, scopeURL, apiResURL, rolesURL string
	legacy                                bool // OAuth2 scopes API (connector 2.0.2 / WSO2-IS) instead of API resources
	createRoles                           bool // a missing bound role is created in IS
	mapRoleNames                          bool // system_primary_X / Internal/X → X naming (2.0.4+ with the flag)
}

// scopeTargets lists the tenant's KMs that hold scopes: every enabled KM except the Resident KM, whose
// scopes live in API-M's embedded IS (KeyManagerHolder.getTenantKeyManagers; disabled KMs are not loaded).
// Called with s.mu held.
func (s *Server) scopeTargets() []scopeTarget {
	var out []scopeTarget
	for _, km := range s.st.kms {
		if !km.Enabled || (km.Type != typeIS7 && km.Type != typeIS) {
			continue
		}
		t := scopeTarget{dcrTarget: dcrTargetOf(km, ""), kmName: km.Name, scopeURL: km.prop("scope_endpoint"),
			apiResURL: km.prop("api_resource_management_endpoint"), rolesURL: km.prop("is7_roles_endpoint")}
		// Connector per product (api-manager-4.md §0.1, §2.2, §8): 2.0.2 (4.3) and the WSO2-IS connector use the
		// OAuth2 scopes API; 2.0.3 (4.4) uses API resources and creates every missing bound role under the API-M
		// name (KM@v2.0.3 createWSO2IS7RoleToScopeBindings has no flag); from 2.0.4 (4.5) a role is created only
		// when enable_roles_creation is the JSON boolean true, which also switches on the IS naming.
		t.legacy = km.Type == typeIS || s.ver == 3
		flag, isBool := km.Props["enable_roles_creation"].(bool)
		switch {
		case t.legacy:
		case s.ver == 4:
			t.createRoles = true
		default:
			t.createRoles = isBool && flag
			t.mapRoleNames = t.createRoles && !s.opt.Faults.On("connector-roles-under-apim-name")
		}
		out = append(out, t)
	}
	return out
}

// errKMUnreachable is the pinned IV2 behaviour (api-manager-4.md §9): scope registration fans out
// synchronously to all tenant KMs, so the create fails with 900967 while a KM is unreachable.
// UNCONFIRMED: status 500 and the body are ExceptionCodes.INTERNAL_ERROR (900967 "General Error",
// "Server Error Occurred"), chosen because the reference gives only the code.
func errKMUnreachable() *apiError {
	return newAPIError(http.StatusInternalServerError, 900967, "General Error", "Server Error Occurred")
}

// registerScopes is APIProviderImpl.addLocalScopes / addSharedScope: every scope at every scope-holding KM,
// in KM registration order (UNCONFIRMED: the product iterates a map). A KM that answers with an HTTP error
// is only logged, as the product logs APIManagementException per KM; a KM that cannot be reached at all
// (connection or TLS failure) fails the whole request with 900967.
// UNCONFIRMED: the split between "answered with an error" (logged) and "unreachable" (fails) is the
// simulator's reading of the pinned behaviour; GA carbon-apimgt code seen for addLocalScopes logs both.
func (s *Server) registerScopes(r *http.Request, scopes []scopeDef) error {
	if len(scopes) == 0 || s.opt.Faults.On("connector-skips-scope-registration") {
		return nil
	}
	s.mu.Lock()
	targets := s.scopeTargets()
	s.mu.Unlock()
	for _, sc := range scopes {
		for _, t := range targets {
			err := s.registerScopeAt(r.Context(), t, sc)
			if err == nil {
				continue
			}
			// The text, including the missing space, is APIProviderImpl's.
			s.log.Error("org.wso2.carbon.apimgt.impl.APIProviderImpl", "Error while registering Scope %sin Key Manager %s. Caused by: %s",
				sc.Key, t.kmName, simnet.JavaError(err, ""))
			var fe *feignError
			var ce *connectorError
			if !errors.As(err, &fe) && !errors.As(err, &ce) {
				return errKMUnreachable()
			}
		}
	}
	return nil
}

// connectorError is an APIManagementException the connector raises itself (not an HTTP answer).
type connectorError struct{ msg string }

func (e *connectorError) Error() string { return e.msg }

// registerScopeAt runs one connector's isScopeExists then registerScope.
func (s *Server) registerScopeAt(ctx context.Context, t scopeTarget, sc scopeDef) error {
	if t.legacy {
		return s.registerLegacyScope(ctx, t, sc)
	}
	return s.registerResourceScope(ctx, t, sc)
}
