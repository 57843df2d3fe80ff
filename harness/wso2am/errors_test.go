package wso2am

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// Reference §2: DELETE of a Key Manager in use → 412, code 902015.
func TestRESTErrorFromErrorDTO(t *testing.T) {
	c, _ := newFake(t, map[string]reply{
		"DELETE " + AdminPath + "/key-managers/km-1": {status: 412, body: `{"code":902015,"message":"Key Manager is already used by an API or an Application.","description":"Key Manager is already used by an API or an Application.","moreInfo":"","error":[]}`},
	})
	err := c.DeleteKeyManager(context.Background(), "km-1")
	var re *RESTError
	if !errors.As(err, &re) {
		t.Fatalf("want a *RESTError, got %T: %v", err, err)
	}
	if re.Status != 412 || re.Code != 902015 || re.Message != "Key Manager is already used by an API or an Application." {
		t.Errorf("got status %d code %d message %q", re.Status, re.Code, re.Message)
	}
	if re.Op != "delete Key Manager km-1" {
		t.Errorf("Op = %q", re.Op)
	}
	if !IsRESTError(err, 412, 902015) || !IsRESTError(err, 412, 0) || IsRESTError(err, 412, 902016) || IsRESTError(err, 400, 902015) {
		t.Error("IsRESTError does not match status and code exactly")
	}
	// Setup code retries on *httpcall.Error: a RESTError must still be one underneath.
	var he *httpcall.Error
	if !errors.As(err, &he) || he.Status != 412 {
		t.Fatalf("the RESTError does not wrap an *httpcall.Error with the status: %v", he)
	}
	msg := err.Error()
	for _, want := range []string{"delete Key Manager km-1", "/key-managers/km-1", "HTTP 412", "code 902015", "already used"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, testPassword) {
		t.Error("the error message carries the admin password")
	}
}

func TestRESTErrorCodesOfKeyManagerCreate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   int64
		desc   string
	}{
		{"duplicate", 409, `{"code":901402,"message":"Key Manager Already Exists","description":"Key Manager Already Exists","moreInfo":"","error":[]}`, 901402, "Key Manager Already Exists"},
		{"missing field", 400, `{"code":901401,"message":"Required Key Manager configuration missing","description":"Key Manager Configuration value for api_resource_management_endpoint,is7_roles_endpoint is/are required","moreInfo":"","error":[]}`, 901401, "Key Manager Configuration value for api_resource_management_endpoint,is7_roles_endpoint is/are required"},
		// The specs make code a number; a string is read too rather than lost.
		{"code as string", 400, `{"code":"901400","message":"Key Manager Type not configured","description":"Key Manager Type X is invalid."}`, 901400, "Key Manager Type X is invalid."},
		{"large code", 500, `{"code":9007199254740993,"message":"m"}`, 9007199254740993, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, map[string]reply{"POST " + AdminPath + "/key-managers": {status: tc.status, body: tc.body}})
			km, err := c.CreateKeyManager(context.Background(), &KeyManager{Name: "is7", Type: "WSO2-IS-7"})
			if km != nil {
				t.Fatalf("got a Key Manager on HTTP %d", tc.status)
			}
			var re *RESTError
			if !errors.As(err, &re) {
				t.Fatalf("want *RESTError, got %v", err)
			}
			if re.Status != tc.status || re.Code != tc.code || re.Description != tc.desc {
				t.Errorf("got %d/%d %q, want %d/%d %q", re.Status, re.Code, re.Description, tc.status, tc.code, tc.desc)
			}
		})
	}
}

func TestRESTErrorFieldList(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + DevportalPath + "/applications": {status: 400,
		body: `{"code":400,"message":"Bad Request","description":"Invalid request or validation error","moreInfo":"https://example/400","error":[{"code":"900315","message":"name must not be empty"},{"code":900316,"message":"x"}]}`}})
	_, err := c.CreateApplication(context.Background(), "")
	var re *RESTError
	if !errors.As(err, &re) {
		t.Fatalf("want *RESTError, got %v", err)
	}
	if re.MoreInfo != "https://example/400" || len(re.Errors) != 2 || re.Errors[0] != (ErrorItem{"900315", "name must not be empty"}) || re.Errors[1].Code != "900316" {
		t.Errorf("got moreInfo %q errors %+v", re.MoreInfo, re.Errors)
	}
}

func TestRESTErrorWithoutErrorDTOKeepsRedactedBody(t *testing.T) {
	c, _ := newFake(t, map[string]reply{
		"GET " + AdminPath + "/key-managers/x": {status: 500, body: `{"consumerSecret":"very-secret-value","state":"broken"}`},
		"GET " + AdminPath + "/key-managers/y": {status: 502, body: `<html>Bad gateway</html>`, header: map[string]string{"Content-Type": "text/html"}},
	})
	_, err := c.GetKeyManager(context.Background(), "x")
	var re *RESTError
	if !errors.As(err, &re) || re.Status != 500 || re.Code != 0 {
		t.Fatalf("want RESTError 500 without code, got %v", err)
	}
	if msg := err.Error(); strings.Contains(msg, "very-secret-value") || !strings.Contains(msg, "broken") || !strings.Contains(msg, "HTTP 500") {
		t.Errorf("error %q: want the redacted body", msg)
	}
	_, err = c.GetKeyManager(context.Background(), "y")
	if !IsRESTError(err, 502, 0) || !strings.Contains(err.Error(), "Bad gateway") {
		t.Errorf("want RESTError 502 naming the body, got %v", err)
	}
}

func TestRESTErrorRedactsDescription(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
	c, _ := newFake(t, map[string]reply{"GET " + AdminPath + "/key-managers/z": {status: 401,
		body: `{"code":900901,"message":"Invalid Credentials","description":"token ` + jwt + ` is not active"}`}})
	_, err := c.GetKeyManager(context.Background(), "z")
	if !IsRESTError(err, 401, 900901) {
		t.Fatalf("want 401/900901, got %v", err)
	}
	if strings.Contains(err.Error(), jwt) {
		t.Errorf("the error message carries a token: %s", err)
	}
}

func TestTransportErrorIsNotRESTError(t *testing.T) {
	c, f := newFake(t, nil)
	f.srv.Close()
	_, err := c.ListKeyManagers(context.Background())
	var re *RESTError
	var he *httpcall.Error
	if err == nil || errors.As(err, &re) || !errors.As(err, &he) || he.Status != 0 {
		t.Fatalf("want a transport *httpcall.Error, got %T %v", err, err)
	}
}

func TestExpectedStatusWithBadJSONIsNotRESTError(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"GET " + AdminPath + "/key-managers/k": {status: 200, body: `{"name":`}})
	_, err := c.GetKeyManager(context.Background(), "k")
	var re *RESTError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("a 200 that does not decode is a decoding error, not a RESTError: %v", err)
	}
}

// The token endpoint answers in the OAuth 2.0 error shape.
func TestRESTErrorFromOAuthErrorBody(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + ResidentTokenPath: {status: 400,
		body: `{"error":"invalid_grant","error_description":"Authentication failed for alice"}`}})
	_, err := c.ResidentPasswordToken(context.Background(), "ck", "cs-secret", "alice", "alice-password", "read")
	var re *RESTError
	if !errors.As(err, &re) {
		t.Fatalf("want *RESTError, got %v", err)
	}
	if re.Status != 400 || re.OAuthError != "invalid_grant" || re.Description != "Authentication failed for alice" || re.Code != 0 {
		t.Errorf("got %+v", re)
	}
	if msg := err.Error(); strings.Contains(msg, "alice-password") || strings.Contains(msg, "cs-secret") || !strings.Contains(msg, "invalid_grant") {
		t.Errorf("error message %q", msg)
	}
}

func TestRESTCall(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"GET " + AdminPath + "/key-managers/k1/app-usages": {status: 200, body: `{"applicationCount":2,"applications":[]}`},
	})
	var out struct {
		ApplicationCount int `json:"applicationCount"`
	}
	if _, err := c.RESTCall(context.Background(), "read app usages", http.MethodGet, AdminPath+"/key-managers/k1/app-usages", nil, &out, 200); err != nil {
		t.Fatal(err)
	}
	if out.ApplicationCount != 2 {
		t.Errorf("applicationCount = %d", out.ApplicationCount)
	}
	wantAdmin(t, f.only())
	_, err := c.RESTCall(context.Background(), "read missing", http.MethodGet, AdminPath+"/nope", nil, nil, 200)
	if !IsRESTError(err, 404, 404) {
		t.Errorf("want 404/404, got %v", err)
	}
}
