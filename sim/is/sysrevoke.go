package is

// System revocations (identity-server-7.md §9 point 2): OAuthUtil.revokeTokens revokes every active
// token of a user on a password change, a lock or disable, a deletion and a change of the user's roles,
// and the interceptor's onPostTokenRevocationBySystem sends one notification per token with the same
// body as a client revocation.

// revokeUserTokens revokes the user tokens of the user named name (access and refresh together: one
// token row in IS) and notifies each. UNCONFIRMED (§9): whether application (client_credentials) tokens
// whose authorized user is the app owner are revoked too; chose not — they belong to the application.
func (s *server) revokeUserTokens(name string) {
	name = plainName(name)
	now := s.now()
	var revoked []token
	s.mu.Lock()
	for _, t := range s.access {
		// A federated user's tokens belong to the external IdP's user, even when the names match.
		if t.appToken || t.fedIdP != "" || plainName(t.user) != name {
			continue
		}
		// Only tokens in state ACTIVE: a client-revoked token is already REVOKED; an expired access token
		// with a live refresh token is still ACTIVE in IS (state changes lazily).
		if t.accessRevoked || (!t.accessActive(now) && !t.refreshActive(now)) {
			continue
		}
		t.accessRevoked, t.refreshRevoked = true, true
		revoked = append(revoked, *t)
	}
	s.mu.Unlock()
	for _, t := range revoked {
		s.log.Info(logOAuth, "Access token of client %s revoked by the system for user %s", t.clientID, name)
		s.notif.systemRevoked(t)
	}
}

// revokeForRoleChange revokes the tokens of users (ids) whose role list changed.
func (s *server) revokeForRoleChange(userIDs []string) {
	var names []string
	s.m.mu.Lock()
	for _, id := range userIDs {
		if a := s.m.users[id]; a != nil {
			names = append(names, a.name)
		}
	}
	s.m.mu.Unlock()
	for _, n := range names {
		s.revokeUserTokens(n)
	}
}

// systemRevoked notifies a system revocation (onPostTokenRevocationBySystem): same event as revoked.
func (n *notifier) systemRevoked(t token) {
	if n == nil {
		return
	}
	n.publish(n.eventFor(t))
}
