package wso2is

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func dcrIS(t *testing.T) (*Client, *map[string]any) {
	var last map[string]any
	mux := http.NewServeMux()
	app := `{"client_id":"cid-1","client_secret":"cs-1","client_secret_expires_at":0,"client_name":"app-1",
"redirect_uris":["https://localhost/callback"],"grant_types":["client_credentials","password"],"ext_public_client":false,
"token_type_extension":"JWT","ext_application_version":"v2.0.0"}`
	mux.HandleFunc("POST "+DCRPath, func(w http.ResponseWriter, r *http.Request) {
		if !isAdmin(r) {
			w.WriteHeader(401)
			return
		}
		b, _ := io.ReadAll(r.Body)
		last = nil
		_ = json.Unmarshal(b, &last)
		if last["client_name"] == "taken" {
			writeJSON(w, 400, `{"error":"invalid_client_metadata","error_description":"Application with the name taken already exist in the system","traceId":"t-1"}`)
			return
		}
		if _, ok := last["surprise"]; ok {
			writeJSON(w, 400, `{"error":"invalid_client_metadata","error_description":"Unrecognized field : surprise","traceId":"t-2"}`)
			return
		}
		writeJSON(w, 201, app)
	})
	mux.HandleFunc("GET "+DCRPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "cid-1" {
			w.WriteHeader(401) // IS answers an unknown client_id with 401 and no body
			return
		}
		writeJSON(w, 200, app)
	})
	mux.HandleFunc("GET "+DCRPath, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("client_name") != "app 1" {
			w.WriteHeader(401)
			return
		}
		writeJSON(w, 200, app)
	})
	mux.HandleFunc("PUT "+DCRPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last = nil
		_ = json.Unmarshal(b, &last)
		if r.PathValue("id") != "cid-1" {
			w.WriteHeader(403)
			return
		}
		writeJSON(w, 200, app)
	})
	mux.HandleFunc("DELETE "+DCRPath+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "cid-1" {
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)
	return c, &last
}

func TestDCRLifecycle(t *testing.T) {
	c, last := dcrIS(t)
	app, err := c.RegisterApp(ctx(t), DCRRequest{
		ClientName: "app-1", GrantTypes: []string{"client_credentials", "password"}, RedirectURIs: []string{"https://localhost/callback"},
		TokenTypeExtension: "JWT", ExtPublicClient: Bool(false), ExtAllowedAudience: "organization",
		Extra: map[string]any{"backchannel_logout_uri": "https://x/logout", "ext_allowed_audience": nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	sent := *last
	if sent["ext_public_client"] != false || sent["client_name"] != "app-1" || sent["backchannel_logout_uri"] != "https://x/logout" {
		t.Errorf("request = %v", sent)
	}
	if _, ok := sent["ext_allowed_audience"]; ok {
		t.Errorf("a nil Extra did not drop the member: %v", sent)
	}
	if _, ok := sent["ext_pkce_mandatory"]; ok {
		t.Errorf("an unset flag was sent: %v", sent)
	}
	if app.ClientID != "cid-1" || app.ClientSecret != "cs-1" || app.TokenTypeExtension != "JWT" || app.Fields["ext_application_version"] != "v2.0.0" {
		t.Errorf("app = %+v", app)
	}
	if a := app.Auth(); a.Method != AuthBasic || a.ClientID != "cid-1" {
		t.Errorf("auth = %+v", a)
	}

	if got, err := c.GetApp(ctx(t), "cid-1"); err != nil || got.ClientName != "app-1" {
		t.Errorf("get = %+v, %v", got, err)
	}
	if got, err := c.GetAppByName(ctx(t), "app 1"); err != nil || got.ClientID != "cid-1" {
		t.Errorf("get by name = %+v, %v", got, err)
	}
	if _, err := c.UpdateApp(ctx(t), "cid-1", DCRRequest{ClientID: "cid-1", ClientSecret: "cs-1", GrantTypes: []string{"password"}}); err != nil {
		t.Error(err)
	}
	if (*last)["client_id"] != "cid-1" {
		t.Errorf("update body = %v", *last)
	}
	if err := c.DeleteApp(ctx(t), "cid-1"); err != nil {
		t.Error(err)
	}
}

func TestDCRFailures(t *testing.T) {
	c, _ := dcrIS(t)
	cases := []struct {
		name    string
		call    func() error
		status  int
		code    string
		desc    string
		traceID string
	}{
		{"duplicate name", func() error { _, err := c.RegisterApp(ctx(t), DCRRequest{ClientName: "taken"}); return err },
			400, "invalid_client_metadata", "Application with the name taken already exist in the system", "t-1"},
		{"unknown field", func() error {
			_, err := c.RegisterApp(ctx(t), DCRRequest{ClientName: "x", Extra: map[string]any{"surprise": true}})
			return err
		}, 400, "invalid_client_metadata", "Unrecognized field : surprise", "t-2"},
		{"unknown client on get", func() error { _, err := c.GetApp(ctx(t), "nope"); return err }, 401, "", "", ""},
		{"not the owner", func() error { _, err := c.UpdateApp(ctx(t), "other", DCRRequest{}); return err }, 403, "", "", ""},
		{"unknown client on delete", func() error { return c.DeleteApp(ctx(t), "nope") }, 401, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var f *DCRFailure
			if !errors.As(err, &f) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if f.Status != tc.status || f.Code != tc.code || f.Description != tc.desc || f.TraceID != tc.traceID {
				t.Errorf("failure = %+v", f)
			}
			if !strings.Contains(err.Error(), "HTTP ") {
				t.Errorf("message = %s", err)
			}
		})
	}
}

func TestDCRAdminCredentials(t *testing.T) {
	c, _ := dcrIS(t)
	c.AdminPassword = "wrong"
	_, err := c.RegisterApp(ctx(t), DCRRequest{ClientName: "app-1"})
	var f *DCRFailure
	if !errors.As(err, &f) || f.Status != 401 || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("err = %v", err)
	}
}
