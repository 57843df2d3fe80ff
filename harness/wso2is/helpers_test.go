package wso2is

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The tests play IS with httptest TLS servers answering what IS's source and documentation give for each call.

const (
	adminUser     = "admin"
	adminPassword = "admin-pw-7f3a"
)

// fakeIS starts a TLS server on mux and returns a Client for it that, like netclient's, never follows
// redirects by itself.
func fakeIS(t *testing.T, mux http.Handler) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc.Timeout = 5 * time.Second
	return &Client{HTTP: hc, Base: srv.URL, AdminUser: adminUser, AdminPassword: adminPassword}, srv
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// isAdmin says whether a request carries the admin's Basic credentials.
func isAdmin(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && u == adminUser && p == adminPassword
}
