// Package evidence keeps what a release engineer needs to understand a red cell — HTTP transcripts, the
// applied configuration, the products' logs — with every secret masked, and writes it under reports/<cell>/.
package evidence

import (
	"regexp"
	"strings"
	"sync"
)

// Mask replaces a secret.
const Mask = "*****"

// secretKeys are the field names whose values are secrets in the products' JSON, form and TOML payloads.
var secretKeys = []string{
	"password", "Password", "client_secret", "clientSecret", "consumerSecret", "access_token", "accessToken",
	"refresh_token", "refreshToken", "id_token", "token", "subject_token", "assertion", "device_code",
	"code_verifier", "ext_param_client_secret", "key_password", "app_password", "secret_key", "auth_token",
	// One-time values of the browser-less login and the device flow, and the NTLM token.
	"windows_token", "sessionDataKey", "sessionDataKeyConsent", "user_code",
}

var (
	keyAlt = strings.Join(secretKeys, "|")
	// In forms "code" is an authorization code; in JSON it is the products' error code, which must stay.
	formAlt = keyAlt + "|code"
	// "key": "value" in JSON (also when the value is not a string, e.g. a nested token object stays untouched).
	jsonRe = regexp.MustCompile(`("(?:` + keyAlt + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// key=value in forms and query strings.
	formRe = regexp.MustCompile(`(\b(?:` + formAlt + `)=)[^&\s]+`)
	// key = "value" or key = 'value' in TOML, also commented out: the default files carry their default
	// passwords in comments (#password = "wso2carbon").
	tomlRe = regexp.MustCompile(`(?m)(^\s*(?:#\s*)?(?:` + keyAlt + `)\s*=\s*)("[^"\n]*"|'[^'\n]*')`)
	// Authorization headers and bearer tokens anywhere.
	authRe   = regexp.MustCompile(`(?i)((?:authorization|proxy-authorization)\s*:\s*(?:basic|bearer)\s+)[A-Za-z0-9._~+/=-]+`)
	bearerRe = regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}`)
	// A JWT anywhere (three base64url parts, header starting with {"…).
	jwtRe = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+`)
)

// Redact masks every secret it recognises in s: JSON fields, form fields, TOML keys, Authorization headers,
// bearer tokens and JWTs. Values it cannot recognise by shape stay, so callers also pass known secrets to
// a Redactor.
func Redact(s string) string {
	// Each pattern runs only where a cheap substring test says it can match: product logs are large and
	// mostly free of secrets.
	if strings.Contains(s, `":`) {
		s = jsonRe.ReplaceAllString(s, `$1"`+Mask+`"`)
	}
	if strings.Contains(s, "=") {
		s = formRe.ReplaceAllString(s, `${1}`+Mask)
		s = tomlRe.ReplaceAllString(s, `${1}"`+Mask+`"`)
	}
	if containsFold(s, "uthorization") {
		s = authRe.ReplaceAllString(s, `${1}`+Mask)
	}
	if containsFold(s, "bearer") {
		s = bearerRe.ReplaceAllString(s, `${1}`+Mask)
	}
	if strings.Contains(s, "eyJ") {
		s = jwtRe.ReplaceAllString(s, Mask)
	}
	return s
}

// containsFold is a case-insensitive Contains for an ASCII lower-case needle, without copying s.
func containsFold(s, needle string) bool {
	return strings.Contains(s, needle) || strings.Contains(s, strings.ToUpper(needle)) ||
		strings.Contains(s, strings.ToUpper(needle[:1])+needle[1:])
}

// Redactor masks known secret values (e.g. a client secret returned by an API) in addition to Redact.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// Add remembers secrets to mask; values shorter than 4 characters are ignored so that masking never eats
// ordinary words.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
}

// Redact applies Redact and masks every remembered secret.
func (r *Redactor) Redact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Mask)
	}
	return Redact(s)
}

// Tail returns the last n lines of a log.
func Tail(log []byte, n int) string {
	all := strings.Split(strings.TrimRight(string(log), "\n"), "\n")
	if len(all) > n {
		all = all[len(all)-n:]
	}
	return strings.Join(all, "\n")
}
