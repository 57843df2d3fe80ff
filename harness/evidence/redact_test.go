package evidence

import (
	"strings"
	"testing"
)

func TestRedactMasksEverySecretShape(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl"
	in := strings.Join([]string{
		`{"consumerKey":"ck-1","consumerSecret":"s3cr3t-value","accessToken":"opaque-token-1","Password":"admin"}`,
		`grant_type=password&username=admin&password=hunter22&client_secret=abc123&code=authz-code-1`,
		`{"code":"900901","message":"Invalid Credentials"}`,
		`password = "wso2carbon"`,
		`#key_password = "commented-default"`,
		`Authorization: Basic YWRtaW46YWRtaW4=`,
		`Authorization: Bearer 0123456789abcdef`,
		`token ` + jwt,
	}, "\n")
	out := Redact(in)
	for _, secret := range []string{"s3cr3t-value", "opaque-token-1", `"admin"`, "hunter22", "abc123", "authz-code-1", "wso2carbon", "commented-default", "YWRtaW46YWRtaW4=", "0123456789abcdef", jwt} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q survived:\n%s", secret, out)
		}
	}
	for _, keep := range []string{`"code":"900901"`, `"consumerKey":"ck-1"`, "username=admin", "grant_type=password"} {
		if !strings.Contains(out, keep) {
			t.Errorf("non-secret %q was lost:\n%s", keep, out)
		}
	}
}

func TestRedactorMasksRememberedValues(t *testing.T) {
	var r Redactor
	r.Add("zz-client-secret-zz", "ab") // "ab" is too short to mask safely
	out := r.Redact("secret in prose: zz-client-secret-zz, about")
	if strings.Contains(out, "zz-client-secret-zz") || !strings.Contains(out, "about") {
		t.Errorf("got %q", out)
	}
}
