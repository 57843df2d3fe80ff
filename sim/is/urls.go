package is

import (
	"strconv"
)

// baseURL is https://<[server] hostname lower-cased>[:port] (identity-server-7.md §3): the port is
// [transport.https.properties] proxyPort when set, else 9443 + offset, and is omitted when 443.
func (s *server) baseURL() string {
	port := 9443 + s.h.PortOffset()
	if v, ok := s.h.Lookup("transport", "https", "properties", "proxyPort"); ok {
		switch n := v.(type) {
		case int64:
			port = int(n)
		case string:
			if p, err := strconv.Atoi(n); err == nil {
				port = p
			}
		}
	}
	u := "https://" + s.h.Hostname()
	if port != 443 {
		u += ":" + strconv.Itoa(port)
	}
	return u
}

// issuer is the token endpoint URL (§3: IDTokenIssuerID defaults to <base>/oauth2/token).
func (s *server) issuer() string { return s.baseURL() + "/oauth2/token" }
