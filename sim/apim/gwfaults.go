package apim

// trustUnknownIssuer plays fault gateway-trusts-unknown-issuer: a JWT whose iss no Key Manager has is
// taken at its word — consumer key from azp, any Key Manager that holds a key mapping for it — instead of
// going to the key-validation path. Without the fault it returns nil. Called without s.mu held.
func (s *Server) trustUnknownIssuer(p *parsedJWT, a *apiSpec) *tokenInfo {
	if !s.opt.Faults.On("gateway-trusts-unknown-issuer") {
		return nil
	}
	s.mu.Lock()
	_, known := s.st.gw.issuers[p.claims.str("iss")]
	var kmIDs []string
	ck := p.claims.str("azp")
	for _, m := range s.st.mappings {
		if m.ConsumerKey == ck {
			kmIDs = append(kmIDs, m.KMID)
		}
	}
	s.mu.Unlock()
	if known {
		return nil
	}
	for _, id := range kmIDs {
		if keyType, ok := s.subscribed(ck, id, a); ok {
			return &tokenInfo{consumerKey: ck, kmID: id, scopes: p.claims.scopes("scope"), keyType: keyType}
		}
	}
	return nil
}
