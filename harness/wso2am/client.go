// Package wso2am is the harness's client of WSO2 API Manager 4.x: the admin v4 Key Manager API, publisher
// v4, devportal v3, the gateway and API-M's own (Resident Key Manager) token endpoint. The REST APIs are
// called with Basic admin credentials, which API-M accepts on /api/am/* by default.
package wso2am

import (
	"net/http"
)

// REST base paths of API-M 4.3–4.7.
const (
	AdminPath     = "/api/am/admin/v4"
	PublisherPath = "/api/am/publisher/v4"
	DevportalPath = "/api/am/devportal/v3"
	// HealthPath answers 200 once every API and gateway policy is deployed (what WSO2's own suite waits on).
	HealthPath = "/api/am/gateway/v2/server-startup-healthcheck"
	// ResidentKeyManager is the name of API-M's built-in Key Manager.
	ResidentKeyManager = "Resident Key Manager"
)

// Client talks to one API-M.
type Client struct {
	HTTP *http.Client
	// Base is the servlet URL, e.g. https://wso2am:9443; Gateway is e.g. https://wso2am:8243.
	Base, Gateway            string
	AdminUser, AdminPassword string
}

// ErrorDTO is API-M's REST error body.
type ErrorDTO struct {
	Code        int64  `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
}
