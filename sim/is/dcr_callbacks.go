package is

import "strings"

// refusedRedirect is the first redirect URI DCR refuses, "" if none. API-M's devportal sends several
// callback URLs as one value regexp=(a|b) and its connector passes it on as a redirect URI; IS 7.1 DCR
// answers 400 (field-failures #21, wso2/api-manager#4679, open). identity-server-7.md §7 gives the DCR answer
// for a bad redirect URI: 400 invalid_redirect_uri "Invalid redirect URI: <u>".
// UNCONFIRMED (the issue reports IS 7.1 with API-M 4.5 and an empty reason): chose that answer, for 7.1.0 and
// later only (7.0.0 keeps the value), and no other redirect URI validation.
func (s *server) refusedRedirect(uris []string) string {
	if !s.p.dcrRefusesRegexpRedirect {
		return ""
	}
	for _, u := range uris {
		if strings.HasPrefix(strings.TrimSpace(u), "regexp=") {
			return u
		}
	}
	return ""
}
