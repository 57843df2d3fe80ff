package wso2am

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

const keyAnswer = `{"keyMappingId":"map-1","keyManager":"is7","consumerKey":"ck-1","consumerSecret":"cs-1",
 "supportedGrantTypes":["client_credentials","authorization_code"],"callbackUrl":"regexp=(https://a.example/cb|https://b.example/cb)",
 "keyState":"APPROVED","keyType":"SANDBOX","mode":"CREATED","groupId":"",
 "token":{"accessToken":"","tokenScopes":[],"validityTime":0},
 "additionalProperties":{"ext_application_token_lifetime":"600","ext_pkce_mandatory":"false"}}`

// Reference §5: the generate-keys body, with validityTime as a string.
func TestGenerateKeysWithOptions(t *testing.T) {
	c, f := newFake(t, map[string]reply{"POST " + DevportalPath + "/applications/app-1/generate-keys": {status: 200, body: keyAnswer}})
	k, err := c.GenerateKeysWith(context.Background(), "app-1", KeyRequest{
		KeyType: Sandbox, KeyManager: "0f6c-uuid", GrantTypes: []string{"client_credentials", "authorization_code"},
		CallbackURLs: []string{"https://a.example/cb", "https://b.example/cb"}, Scopes: []string{"default", "read"},
		ValidityTime: 7200, AdditionalProperties: map[string]any{"ext_application_token_lifetime": 600},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := f.only()
	wantAdmin(t, s)
	want := map[string]any{
		"keyType": "SANDBOX", "keyManager": "0f6c-uuid",
		"grantTypesToBeSupported": []any{"client_credentials", "authorization_code"},
		"callbackUrl":             "regexp=(https://a.example/cb|https://b.example/cb)",
		"scopes":                  []any{"default", "read"}, "validityTime": "7200",
		"additionalProperties": map[string]any{"ext_application_token_lifetime": float64(600)},
	}
	if got := s.json(t); !reflect.DeepEqual(got, want) {
		t.Errorf("body sent:\n got %v\nwant %v", got, want)
	}
	if k.KeyMappingID != "map-1" || k.ConsumerKey != "ck-1" || k.ConsumerSecret != "cs-1" || k.KeyType != "SANDBOX" ||
		k.KeyState != "APPROVED" || k.Mode != "CREATED" || k.CallbackURL != "regexp=(https://a.example/cb|https://b.example/cb)" ||
		k.Token == nil || k.AdditionalProperties["ext_application_token_lifetime"] != "600" {
		t.Errorf("key = %+v", k)
	}
}

func TestGenerateKeysDefaults(t *testing.T) {
	c, f := newFake(t, map[string]reply{"POST " + DevportalPath + "/applications/app-1/generate-keys": {status: 200, body: keyAnswer}})
	ctx := context.Background()
	if _, err := c.GenerateKeysWith(ctx, "app-1", KeyRequest{}); err != nil {
		t.Fatal(err)
	}
	// The older helper keeps sending what the setup always sent.
	if _, err := c.GenerateKeys(ctx, "app-1", ResidentKeyManager, []string{"client_credentials"}); err != nil {
		t.Fatal(err)
	}
	// One callback URL goes out as it is.
	if _, err := c.GenerateKeysWith(ctx, "app-1", KeyRequest{CallbackURLs: []string{"https://only.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	reqs := f.all()
	if got, want := reqs[0].json(t), map[string]any{"keyType": "PRODUCTION", "grantTypesToBeSupported": []any{}}; !reflect.DeepEqual(got, want) {
		t.Errorf("empty request sent %v, want %v", got, want)
	}
	want := map[string]any{"keyType": "PRODUCTION", "keyManager": "Resident Key Manager", "grantTypesToBeSupported": []any{"client_credentials"},
		"callbackUrl": "https://localhost/callback", "scopes": []any{"default"}, "validityTime": "3600"}
	if got := reqs[1].json(t); !reflect.DeepEqual(got, want) {
		t.Errorf("GenerateKeys sent %v, want %v", got, want)
	}
	if got := reqs[2].json(t)["callbackUrl"]; got != "https://only.example/cb" {
		t.Errorf("one callback URL sent as %v", got)
	}
	if _, err := c.GenerateKeysWith(ctx, "app-1", KeyRequest{CallbackURL: "a", CallbackURLs: []string{"b"}}); err == nil {
		t.Error("both CallbackURL and CallbackURLs accepted")
	}
	if n := len(f.all()); n != 3 {
		t.Errorf("a request that cannot be built was sent anyway (%d requests)", n)
	}
}

// Reference §5 "Generate keys" errors.
func TestGenerateKeysRefusals(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   int64
		body   string
	}{
		{400, 901403, `{"code":901403,"message":"Key Manager Not Found","description":"Key Manager is3 doesn't exist in Tenant carbon.super"}`},
		{400, 901405, `{"code":901405,"message":"Key Manager doesn't support generating OAuth applications","description":"Key Manager doesn't support generating OAuth applications"}`},
		{409, 901409, `{"code":901409,"message":"Key Mappings already exists","description":"Key Mappings already exists for application app-1"}`},
		{403, 902013, `{"code":902013,"message":"Forbidden","description":"Key Manager is3 is not permitted for user"}`},
	} {
		c, _ := newFake(t, map[string]reply{"POST " + DevportalPath + "/applications/app-1/generate-keys": {status: tc.status, body: tc.body}})
		k, err := c.GenerateKeysWith(context.Background(), "app-1", KeyRequest{KeyManager: "is3", GrantTypes: []string{"client_credentials"}})
		if k != nil || !IsRESTError(err, tc.status, tc.code) {
			t.Errorf("want %d/%d, got key %v err %v", tc.status, tc.code, k, err)
		}
	}
}

func TestApplications(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"POST " + DevportalPath + "/applications":         {status: 201, body: `{"applicationId":"app-9","name":"a1","throttlingPolicy":"Unlimited","tokenType":"JWT","status":"APPROVED","owner":"admin"}`},
		"GET " + DevportalPath + "/applications":          {status: 200, body: `{"count":1,"list":[{"applicationId":"app-9","name":"a1","throttlingPolicy":"Unlimited","subscriptionCount":2,"attributes":{"x":"y"}}]}`},
		"DELETE " + DevportalPath + "/applications/app-9": {status: 200},
	})
	ctx := context.Background()
	app, err := c.CreateApplicationWith(ctx, Application{Name: "a1", TokenType: "OAUTH"})
	if err != nil {
		t.Fatal(err)
	}
	if app.ApplicationID != "app-9" || app.TokenType != "JWT" {
		t.Errorf("created %+v", app)
	}
	list, err := c.ListApplications(ctx, "a 1&x")
	if err != nil || len(list) != 1 || list[0].SubscriptionCount != 2 || list[0].Attributes["x"] != "y" {
		t.Errorf("list: %+v %v", list, err)
	}
	if err := c.DeleteApplication(ctx, "app-9"); err != nil {
		t.Fatal(err)
	}
	reqs := f.all()
	if got, want := reqs[0].json(t), map[string]any{"name": "a1", "throttlingPolicy": "Unlimited", "tokenType": "OAUTH"}; !reflect.DeepEqual(got, want) {
		t.Errorf("create sent %v, want %v", got, want)
	}
	if q, _ := url.ParseQuery(reqs[1].Query); q.Get("query") != "a 1&x" {
		t.Errorf("list query = %q", reqs[1].Query)
	}
	if reqs[2].Method != http.MethodDelete {
		t.Errorf("delete sent %s", reqs[2].Method)
	}
	for _, s := range reqs {
		wantAdmin(t, s)
	}
}

// Reference §5: a duplicate application name → 409 with code 409.
func TestCreateApplicationDuplicate(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + DevportalPath + "/applications": {status: 409,
		body: `{"code":409,"message":"Resource Already Exists","description":"An application already exists with name a1","moreInfo":"","error":[]}`}})
	_, err := c.CreateApplication(context.Background(), "a1")
	var re *RESTError
	if !errors.As(err, &re) || re.Status != 409 || re.Code != 409 || re.Description != "An application already exists with name a1" {
		t.Errorf("got %v", err)
	}
}

func TestSubscriptions(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"POST " + DevportalPath + "/subscriptions": {status: 201, body: `{"subscriptionId":"sub-1","applicationId":"app-1","apiId":"api-1","throttlingPolicy":"Gold","status":"UNBLOCKED"}`},
	})
	ctx := context.Background()
	s, err := c.CreateSubscription(ctx, "app-1", "api-1", "Gold")
	if err != nil || s.SubscriptionID != "sub-1" || s.Status != "UNBLOCKED" {
		t.Fatalf("subscribe: %+v %v", s, err)
	}
	if _, err := c.CreateSubscription(ctx, "app-1", "api-1", ""); err != nil {
		t.Fatal(err)
	}
	reqs := f.all()
	if got, want := reqs[0].json(t), map[string]any{"applicationId": "app-1", "apiId": "api-1", "throttlingPolicy": "Gold"}; !reflect.DeepEqual(got, want) {
		t.Errorf("subscribe sent %v", got)
	}
	if got := reqs[1].json(t)["throttlingPolicy"]; got != "Unlimited" {
		t.Errorf("the default policy = %v", got)
	}
}

// 202 (a workflow is pending): the id comes from the Location header.
func TestSubscriptionPendingWorkflow(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + DevportalPath + "/subscriptions": {status: 202,
		body: `{"workflowStatus":"CREATED","jsonPayload":""}`, header: map[string]string{"Location": "https://apim/api/am/devportal/v3/subscriptions/sub-42"}}})
	s, err := c.CreateSubscription(context.Background(), "app-1", "api-1", "")
	if err != nil || s.SubscriptionID != "sub-42" || s.ApplicationID != "app-1" || s.APIID != "api-1" {
		t.Errorf("got %+v %v", s, err)
	}
}

// Reference §5: a duplicate subscription → 409.
func TestSubscriptionDuplicate(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + DevportalPath + "/subscriptions": {status: 409,
		body: `{"code":409,"message":"Resource Already Exists","description":"Specified subscription already exists for API api-1, for application app-1"}`}})
	if _, err := c.CreateSubscription(context.Background(), "app-1", "api-1", ""); !IsRESTError(err, 409, 409) {
		t.Errorf("got %v", err)
	}
}

func TestOAuthKeyOperations(t *testing.T) {
	base := DevportalPath + "/applications/app-1/oauth-keys"
	c, f := newFake(t, map[string]reply{
		"PUT " + base + "/map-1":                    {status: 200, body: keyAnswer},
		"POST " + base + "/map-1/regenerate-secret": {status: 200, body: `{"consumerKey":"ck-1","consumerSecret":"cs-2"}`},
	})
	ctx := context.Background()
	if _, err := c.UpdateOAuthKeys(ctx, "app-1", "map-1", OAuthKeyUpdate{SupportedGrantTypes: []string{"password"},
		AdditionalProperties: map[string]any{"ext_pkce_mandatory": true}}); err != nil {
		t.Fatal(err)
	}
	sec, err := c.RegenerateSecret(ctx, "app-1", "map-1")
	if err != nil || sec.ConsumerSecret != "cs-2" {
		t.Fatalf("regenerate: %+v %v", sec, err)
	}
	reqs := f.all()
	if got, want := reqs[0].json(t), map[string]any{"supportedGrantTypes": []any{"password"}, "callbackUrl": "",
		"additionalProperties": map[string]any{"ext_pkce_mandatory": true}}; !reflect.DeepEqual(got, want) {
		t.Errorf("update sent %v, want %v", got, want)
	}
	for _, s := range reqs {
		wantAdmin(t, s)
	}
}

// IS 7's connector does not regenerate secrets: API-M answers 200 with a null (or no) consumerSecret,
// which is an answer, not an error.
func TestRegenerateSecretWithoutSecret(t *testing.T) {
	for _, body := range []string{`{"consumerKey":"ck-1","consumerSecret":null}`, `{"consumerKey":"ck-1"}`} {
		c, _ := newFake(t, map[string]reply{
			"POST " + DevportalPath + "/applications/app-1/oauth-keys/map-1/regenerate-secret": {status: 200, body: body},
		})
		sec, err := c.RegenerateSecret(context.Background(), "app-1", "map-1")
		if err != nil || sec.ConsumerKey != "ck-1" || sec.ConsumerSecret != "" {
			t.Errorf("%s: %+v %v", body, sec, err)
		}
	}
}

func TestDevportalKeyManagers(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"GET " + DevportalPath + "/key-managers": {status: 200, body: `{"count":1,"list":[{"id":"i","name":"is7","type":"WSO2-IS-7",
		"displayName":"IS 7","enabled":true,"availableGrantTypes":["client_credentials"],"tokenEndpoint":"https://public.example/token",
		"revokeEndpoint":"https://public.example/revoke","userInfoEndpoint":"https://wso2is:9443/scim2/Me","enableOAuthAppCreation":true,
		"applicationConfiguration":[{"name":"ext_pkce_mandatory","type":"checkbox","required":false,"default":false}],"tokenType":"DIRECT"}]}`}})
	kms, err := c.DevportalKeyManagers(context.Background())
	if err != nil || len(kms) != 1 {
		t.Fatalf("%+v %v", kms, err)
	}
	k := kms[0]
	if k.TokenEndpoint != "https://public.example/token" || k.RevokeEndpoint != "https://public.example/revoke" ||
		k.UserInfoEndpoint != "https://wso2is:9443/scim2/Me" || !k.Enabled || k.Type != "WSO2-IS-7" ||
		!reflect.DeepEqual(k.AvailableGrantTypes, []string{"client_credentials"}) || len(k.ApplicationConfiguration) != 1 ||
		k.ApplicationConfiguration[0].Name != "ext_pkce_mandatory" || !k.EnableOAuthAppCreation {
		t.Errorf("%+v", k)
	}
}
