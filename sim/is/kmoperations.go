package is

import (
	"net/http"
	"os"
)

// The keymanager-operations webapp: the extra webapp of WSO2's IS Key Manager connectors, which the WSO2 Open
// Banking IS serves its Key Manager's client registration from (Open Banking docs "Configure IS as Key
// Manager": Client Registration Endpoint https://<IS_HOST>:9446/keymanager-operations/dcr/register). No IS 7
// GA image ships it; Tomcat deploys it from repository/deployment/server/webapps/keymanager-operations.war
// at /keymanager-operations. When that file is there, the simulator serves the webapp's DCR.
// UNCONFIRMED (the references do not describe this webapp's API): chose the DCR v1.1 request and answer
// shapes and the administrator's Basic credentials (the docs-apim access-control rules of
// (.*)/keymanager-operations/dcr/register ask for application-management permissions). Its user-info and
// claims resources are not simulated.

const keyManagerOperationsWAR = "repository/deployment/server/webapps/keymanager-operations.war"

// logKeyManagerOperations reports whether the webapp is deployed, and logs its deployment.
func (s *server) logKeyManagerOperations() bool {
	if _, err := os.Stat(s.h.Path(keyManagerOperationsWAR)); err != nil {
		return false
	}
	// UNCONFIRMED: Tomcat's deployment line; chose this wording.
	s.log.Info("org.apache.catalina.startup.HostConfig", "Deploying web application archive [%s]", s.h.Path(keyManagerOperationsWAR))
	return true
}

func (s *server) keyManagerOperationsRoutes(mux *http.ServeMux) {
	const p = "/keymanager-operations/dcr/register"
	mux.HandleFunc("POST "+p, s.dcrCreate)
	mux.HandleFunc("GET "+p+"/{client_id}", s.dcrGet)
	mux.HandleFunc("PUT "+p+"/{client_id}", s.dcrUpdate)
	mux.HandleFunc("DELETE "+p+"/{client_id}", s.dcrDelete)
}
