package tomlmerge

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"
)

// Inputs below are written for these tests, modelled on the shape of the
// products' default deployment.toml files and WSO2's documented blocks.

const is70Base = `[server]
hostname = "localhost"
node_ip = "127.0.0.1"
base_path = "https://$ref{server.hostname}:${carbon.management.port}"

[super_admin]
username = "admin"
password = "admin"
create_admin_account = true

[keystore.primary]
file_name = "wso2carbon.jks"
password = "wso2carbon"
type="JKS"

[truststore]
file_name="client-truststore.jks"
password="wso2carbon"
type="JKS"

[account_recovery.endpoint.auth]
hash= "66cd9688a2ae068244ea01e70f0e230f5623b7fa4cdecb65070a09ec06452262"

# The KeyStore which is used for tls communication.

#[keystore.tls]
#file_name = "$ref{keystore.primary.file_name}"
#type = "$ref{keystore.primary.type}"
`

// is71Base differs from 7.0 in the store types and, for this test, already
// has an [oauth] table the block must extend rather than repeat.
const is71Base = `[server]
hostname = "localhost"
base_path = "https://$ref{server.hostname}:${carbon.management.port}"

[keystore.primary]
file_name = "wso2carbon.p12"
password = "wso2carbon"
type="PKCS12"

[truststore]
file_name="client-truststore.p12"
password="wso2carbon"
type="PKCS12"

[oauth]
# keep me
token_cleanup.enable = false

[oauth.token_validation]
include_validation_context_as_jwt_in_reponse = true
`

const apim45Base = `[server]
hostname = "localhost"
#offset=0
server_role = "default"

[keystore.tls]
file_name =  "wso2carbon.jks"
type =  "JKS"
password =  "wso2carbon"
alias =  "wso2carbon"
key_password =  "wso2carbon"

[apim]
gateway_type = "Regular,APK,AWS"

[[apim.gateway.environment]]
name = "Default"
type = "hybrid"
service_url = "https://localhost:${mgt.transport.https.port}/services/"
username= "${admin.username}"
ws_endpoint = "ws://localhost:9099"

[apim.sync_runtime_artifacts.gateway]
gateway_labels =["Default"]

[apim.key_manager]
enable_lightweight_apikey_generation = true
#service_url = "https://localhost:${mgt.transport.https.port}/services/"
#pool.init_idle_capacity = 50
#pool.max_idle = 100

[apim.cors]
allow_origins = "*"
allow_methods = [
    "GET", # read
    "POST",
    "[not-a-table]",
]
description = """
[not.a.header]
"""

[[event_handler]]
name="userPostSelfRegistration"
subscriptions=["POST_ADD_USER"]

[service_provider]
sp_name_regex = "^[\\sa-zA-Z0-9._-]*$"

[[event_listener]]
id = "token_revocation"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name = "org.wso2.is.notification.ApimOauthEventInterceptor"
order = 1
[event_listener.properties]
notification_endpoint = "https://localhost:${mgt.transport.https.port}/internal/data/v1/notify"
username = "${admin.username}"
password = "${admin.password}"
'header.X-WSO2-KEY-MANAGER' = "default"

[oauth.grant_type.token_exchange]
enable = true
allow_refresh_tokens = true
iat_validity_period = "1h"

#[apim.transaction_counter]
#enable = true
`

// kmBlock is the IS-side Key Manager configuration, in WSO2's block style.
const kmBlock = `# serve TLS with the run's own certificate
[keystore.tls]
file_name = "wso2is.p12"
type = "PKCS12"
password = "wso2carbon"
alias = "wso2carbon"
key_password = "wso2carbon"

[oauth]
authorize_all_scopes = true

# allow system_ roles
[role_mgt]
allow_system_prefix_for_role = true

[[resource.access_control]]
context = "(.*)/scim2/Me"
secure = true
http_method = "GET"
cross_tenant = true
permissions = []
scopes = []

# revocation notifications to API-M
[[event_listener]]
id = "token_revocation"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name = "org.wso2.is.notification.ApimOauthEventInterceptor"
order = 1

[event_listener.properties]
notification_endpoint = "https://wso2am:9443/internal/data/v1/notify"
username = "${admin.username}"
password = "${admin.password}"
'header.X-WSO2-KEY-MANAGER' = "WSO2-IS"
`

func parse(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := toml.Unmarshal(b, &m); err != nil {
		t.Fatalf("output is not valid TOML: %v\n%s", err, b)
	}
	return m
}

// get walks a path through tables and array indexes ("event_listener.0.id").
func get(t *testing.T, m map[string]any, path ...any) any {
	t.Helper()
	var cur any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%v: %v is not a table", path, k)
			}
			cur = mm[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: no element %d", path, k)
			}
			cur = l[k]
		}
	}
	return cur
}

func eq(t *testing.T, m map[string]any, want any, path ...any) {
	t.Helper()
	if got := get(t, m, path...); !reflect.DeepEqual(got, want) {
		t.Errorf("%v = %#v, want %#v", path, got, want)
	}
}

func countHeader(out []byte, header string) int {
	return len(regexp.MustCompile(`(?m)^\s*`+regexp.QuoteMeta(header)+`\s*(#.*)?$`).FindAll(out, -1))
}

// checkStructure asserts the rules IS's strict reader needs.
func checkStructure(t *testing.T, out []byte) {
	t.Helper()
	if !strings.HasPrefix(string(out), HeaderComment+"\n") {
		t.Errorf("output does not start with the kmconform comment")
	}
	if strings.Count(string(out), HeaderComment) != 1 {
		t.Errorf("kmconform comment repeated")
	}
	if regexp.MustCompile(`=\s*\[\s*\{`).Match(out) {
		t.Errorf("inline array of tables in output:\n%s", out)
	}
	// A sub-table header may repeat only under different [[…]] elements.
	seen := map[string]bool{}
	array, elems := "", 0
	for _, h := range regexp.MustCompile(`(?m)^\s*(\[\[?)([^\[\]]+)\]\]?\s*(#.*)?$`).FindAllSubmatch(out, -1) {
		name := strings.TrimSpace(string(h[2]))
		if string(h[1]) == "[[" {
			array, elems = name, elems+1
			continue
		}
		k := name
		if array != "" && strings.HasPrefix(name, array+".") {
			k = fmt.Sprintf("%s@%d", name, elems)
		}
		if seen[k] {
			t.Errorf("table header [%s] repeated", name)
		}
		seen[k] = true
	}
	strictParse(t, out)
}

// strictParse runs Python's tomllib (a strict TOML 1.0 reader, like the
// BurntSushi and IS readers) when python3 is available.
func strictParse(t *testing.T, out []byte) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not on PATH; skipping the strict-parser cross-check")
		return
	}
	f := filepath.Join(t.TempDir(), "deployment.toml")
	if err := os.WriteFile(f, out, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", "import sys\ntry:\n import tomllib\nexcept ImportError:\n sys.exit(3)\ntomllib.load(open(sys.argv[1],'rb'))", f)
	res, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
		t.Log("python3 has no tomllib (needs 3.11+); skipping the strict-parser cross-check")
		return
	}
	if err != nil {
		t.Errorf("tomllib rejects the output: %v\n%s\n%s", err, res, out)
	}
}

func TestMergeIS70(t *testing.T) {
	out, err := Merge([]byte(is70Base), []byte(kmBlock))
	if err != nil {
		t.Fatal(err)
	}
	checkStructure(t, out)
	m := parse(t, out)
	eq(t, m, true, "oauth", "authorize_all_scopes")
	eq(t, m, true, "role_mgt", "allow_system_prefix_for_role")
	eq(t, m, "PKCS12", "keystore", "tls", "type")
	eq(t, m, "JKS", "keystore", "primary", "type")
	eq(t, m, "https://$ref{server.hostname}:${carbon.management.port}", "server", "base_path")
	eq(t, m, "(.*)/scim2/Me", "resource", "access_control", 0, "context")
	eq(t, m, []any{}, "resource", "access_control", 0, "permissions")
	eq(t, m, []any{}, "resource", "access_control", 0, "scopes")
	eq(t, m, "WSO2-IS", "event_listener", 0, "properties", "header.X-WSO2-KEY-MANAGER")
	eq(t, m, "${admin.username}", "event_listener", 0, "properties", "username")
	eq(t, m, int64(1), "event_listener", 0, "order")
	if n := len(get(t, m, "event_listener").([]any)); n != 1 {
		t.Errorf("%d event listeners, want 1", n)
	}
	s := string(out)
	// The base text is kept verbatim, including its odd spacing and comments.
	if !strings.Contains(s, strings.TrimSuffix(is70Base, "\n")) {
		t.Errorf("base text not preserved:\n%s", s)
	}
	for _, want := range []string{"# serve TLS with the run's own certificate\n[keystore.tls]", "# allow system_ roles\n[role_mgt]",
		"'header.X-WSO2-KEY-MANAGER' = \"WSO2-IS\"", "[[event_listener]]\n", "[event_listener.properties]\n", "[[resource.access_control]]\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The element's sub-table follows its own header.
	if strings.Index(s, "[[event_listener]]") > strings.Index(s, "[event_listener.properties]") {
		t.Error("[event_listener.properties] precedes [[event_listener]]")
	}
}

func TestMergeIS71ExtendsExistingTables(t *testing.T) {
	out, err := Merge([]byte(is71Base), []byte(kmBlock))
	if err != nil {
		t.Fatal(err)
	}
	checkStructure(t, out)
	if n := countHeader(out, "[oauth]"); n != 1 {
		t.Fatalf("[oauth] appears %d times:\n%s", n, out)
	}
	m := parse(t, out)
	eq(t, m, true, "oauth", "authorize_all_scopes")
	eq(t, m, false, "oauth", "token_cleanup", "enable")
	eq(t, m, true, "oauth", "token_validation", "include_validation_context_as_jwt_in_reponse")
	// The new key lands inside the existing [oauth] table, after its last key.
	s := string(out)
	want := "[oauth]\n# keep me\ntoken_cleanup.enable = false\nauthorize_all_scopes = true\n"
	if !strings.Contains(s, want) {
		t.Errorf("authorize_all_scopes not added in place; output:\n%s", s)
	}
}

func TestMergeAPIM45(t *testing.T) {
	env := `[[apim.gateway.environment]]
name = "Second"
type = "hybrid"
ws_endpoint = "ws://localhost:9100"
`
	listener := strings.Replace(kmBlock[strings.Index(kmBlock, "# revocation"):], "WSO2-IS", "default-replaced", 1)
	other := `[[event_listener]]
id = "audit"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name = "org.example.Audit"
order = 2
`
	km := `[apim.key_manager]
pool.init_idle_capacity = 50
enable_lightweight_apikey_generation = false

[oauth]
authorize_all_scopes = true
`
	out, err := Merge([]byte(apim45Base), []byte(env), []byte(listener), []byte(other), []byte(km))
	if err != nil {
		t.Fatal(err)
	}
	checkStructure(t, out)
	m := parse(t, out)
	s := string(out)

	// Arrays of tables are appended, next to the existing element.
	eq(t, m, "Default", "apim", "gateway", "environment", 0, "name")
	eq(t, m, "Second", "apim", "gateway", "environment", 1, "name")
	if i, j := strings.Index(s, `name = "Second"`), strings.Index(s, "[apim.sync_runtime_artifacts.gateway]"); i < 0 || i > j {
		t.Errorf("new gateway environment not placed after the existing one")
	}

	// Same id replaces API-M's own token_revocation listener in place; another id is appended.
	ls := get(t, m, "event_listener").([]any)
	if len(ls) != 2 {
		t.Fatalf("%d event listeners, want 2", len(ls))
	}
	eq(t, m, "token_revocation", "event_listener", 0, "id")
	eq(t, m, "default-replaced", "event_listener", 0, "properties", "header.X-WSO2-KEY-MANAGER")
	eq(t, m, "https://wso2am:9443/internal/data/v1/notify", "event_listener", 0, "properties", "notification_endpoint")
	eq(t, m, "audit", "event_listener", 1, "id")
	if _, ok := get(t, m, "event_listener", 1).(map[string]any)["properties"]; ok {
		t.Error("the appended listener captured the previous element's properties")
	}
	if strings.Contains(s, `'header.X-WSO2-KEY-MANAGER' = "default"`) {
		t.Error("old listener properties still present")
	}
	if i, j := strings.Index(s, "[[event_listener]]"), strings.Index(s, "[oauth.grant_type.token_exchange]"); i > j {
		t.Error("replaced listener moved")
	}

	// Dotted key into an existing table; the commented example stays.
	eq(t, m, int64(50), "apim", "key_manager", "pool", "init_idle_capacity")
	eq(t, m, false, "apim", "key_manager", "enable_lightweight_apikey_generation")
	if !strings.Contains(s, "enable_lightweight_apikey_generation = false\npool.init_idle_capacity = 50\n#service_url") {
		t.Errorf("[apim.key_manager] not edited in place:\n%s", s)
	}
	if !strings.Contains(s, "#pool.init_idle_capacity = 50\n#pool.max_idle = 100") {
		t.Error("commented examples lost")
	}

	// A new [oauth] table next to the existing [oauth.grant_type.token_exchange].
	eq(t, m, true, "oauth", "authorize_all_scopes")
	eq(t, m, "1h", "oauth", "grant_type", "token_exchange", "iat_validity_period")
	if n := countHeader(out, "[oauth]"); n != 1 {
		t.Errorf("[oauth] appears %d times", n)
	}

	// Untouched tables keep their exact text (multi-line array, string with brackets).
	for _, keep := range []string{"allow_methods = [\n    \"GET\", # read\n", "description = \"\"\"\n[not.a.header]\n\"\"\"",
		`sp_name_regex = "^[\\sa-zA-Z0-9._-]*$"`, "#[apim.transaction_counter]", "username= \"${admin.username}\""} {
		if !strings.Contains(s, keep) {
			t.Errorf("lost %q", keep)
		}
	}
	eq(t, m, []any{"GET", "POST", "[not-a-table]"}, "apim", "cors", "allow_methods")
	eq(t, m, []any{"POST_ADD_USER"}, "event_handler", 0, "subscriptions")
}

func TestMergeDeterministicAndIdempotentHeader(t *testing.T) {
	a, err := Merge([]byte(apim45Base), []byte(kmBlock))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Merge([]byte(apim45Base), []byte(kmBlock))
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Error("same inputs gave different outputs")
	}
	again, err := Merge(a)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(a) {
		t.Errorf("merging nothing into a merged file changed it")
	}
	// Re-applying the same block replaces the listener (same id) and
	// repeats no table header.
	twice, err := Merge(a, []byte(kmBlock))
	if err != nil {
		t.Fatal(err)
	}
	checkStructure(t, twice)
	if n := len(get(t, parse(t, twice), "event_listener").([]any)); n != 1 {
		t.Errorf("%d listeners after re-applying, want 1", n)
	}
}

func TestMergeUnchangedValueKeepsLine(t *testing.T) {
	out, err := Merge([]byte(is70Base), []byte("[truststore]\ntype = 'JKS'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := HeaderComment + "\n" + is70Base; string(out) != want {
		t.Errorf("semantically equal value rewrote the file:\n%s", out)
	}
}

func TestMergeRootKeysAndCRLF(t *testing.T) {
	base := "# preamble\r\ntop = 1\r\n\r\n[server]\r\nhostname = \"localhost\"\r\n"
	out, err := Merge([]byte(base), []byte("extra = \"x\"\ntop = 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkStructure(t, out)
	m := parse(t, out)
	eq(t, m, int64(2), "top")
	eq(t, m, "x", "extra")
	eq(t, m, "localhost", "server", "hostname")
	if strings.Contains(string(out), "\r") {
		t.Error("CR left in output")
	}
}

func TestMergeDottedKeyTables(t *testing.T) {
	// [transport.receiver] defines "keystore" through dotted keys, so the
	// block's [transport.receiver.keystore] must become dotted keys too.
	base := "[transport.receiver]\ntype = \"binary\"\nkeystore.file_name = \"a.jks\"\n"
	out, err := Merge([]byte(base), []byte("[transport.receiver.keystore]\npassword = \"pw\"\nfile_name = \"b.jks\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkStructure(t, out)
	m := parse(t, out)
	eq(t, m, "pw", "transport", "receiver", "keystore", "password")
	eq(t, m, "b.jks", "transport", "receiver", "keystore", "file_name")
	if countHeader(out, "[transport.receiver.keystore]") != 0 {
		t.Error("added a header for a table defined by dotted keys")
	}
}

func TestMergeErrors(t *testing.T) {
	good := []byte("[role_mgt]\nallow_system_prefix_for_role = true\n")
	cases := []struct {
		name  string
		base  string
		block string
		want  []string
	}{
		{"malformed block", is70Base, "[role_mgt]\nallow = \n", []string{"block 2 ([role_mgt])", "line 2"}},
		{"repeated header in block", is70Base, "[oauth]\na = 1\n[oauth]\nb = 2\n", []string{"block 2 ([oauth])"}},
		{"table over a value", is70Base, "[server.hostname]\nx = 1\n", []string{"block 2", "server.hostname", "value"}},
		{"value over a table", is70Base, "keystore = \"x\"\n", []string{"block 2", "table"}},
		{"sub-table of an array", apim45Base, "[event_listener.properties]\nusername = \"x\"\n", []string{"block 2", "[[event_listener]]"}},
		{"array over a table", is70Base, "[[server]]\nx = 1\n", []string{"block 2", "plain table"}},
		{"malformed base", "[server\n", "a = 1\n", []string{"base document"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Merge([]byte(c.base), good, []byte(c.block))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSet(t *testing.T) {
	out, err := Set([]byte(is70Base), "server", "hostname", "wso2is")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(is70Base, `hostname = "localhost"`, `hostname = "wso2is"`, 1); string(out) != want {
		t.Errorf("Set changed more than the hostname line:\n%s", out)
	}
	same, err := Set(out, "server", "hostname", "wso2is")
	if err != nil || string(same) != string(out) {
		t.Errorf("setting the same value changed the document (err %v)", err)
	}

	out, err = Set([]byte(is70Base), "event_listener_x.properties", "header.X-WSO2-KEY-MANAGER", "WSO2-IS")
	if err != nil {
		t.Fatal(err)
	}
	m := parse(t, out)
	eq(t, m, "WSO2-IS", "event_listener_x", "properties", "header.X-WSO2-KEY-MANAGER")
	if !strings.Contains(string(out), `"header.X-WSO2-KEY-MANAGER" = "WSO2-IS"`) {
		t.Errorf("quoted key not written as one key:\n%s", out)
	}

	for _, c := range []struct {
		v    any
		want any
	}{
		{42, int64(42)}, {true, true}, {1.5, 1.5}, {2.0, 2.0}, {[]string{"GET", "POST"}, []any{"GET", "POST"}},
		{"quote\" back\\slash\ttab", "quote\" back\\slash\ttab"}, {[]int{}, []any{}},
	} {
		out, err := Set([]byte(is70Base), "apim.key_manager", "v", c.v)
		if err != nil {
			t.Fatalf("Set(%#v): %v", c.v, err)
		}
		strictParse(t, out)
		eq(t, parse(t, out), c.want, "apim", "key_manager", "v")
	}
	out, err = Set([]byte(is70Base), "", "top", "x")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, parse(t, out), "x", "top")

	if _, err := Set([]byte(is70Base), "server", "x", struct{}{}); err == nil {
		t.Error("unsupported value type accepted")
	}
	if _, err := Set([]byte(is70Base), "server..x", "k", "v"); err == nil {
		t.Error("invalid table name accepted")
	}
	if _, err := Set([]byte(is70Base), "server", "", "v"); err == nil {
		t.Error("empty key accepted")
	}
}

func TestScanIgnoresBracketsInValues(t *testing.T) {
	d, err := scan(`a = "[x]" # [y]
b = '''
[[z]]
'''
c = [ [1, 2], # [w]
  [3] ]
[t]
d = """x""\""""
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.sections) != 2 || len(d.sections[0].entries) != 3 || len(d.sections[1].entries) != 1 {
		t.Fatalf("sections/entries: %d sections", len(d.sections))
	}
	if got := d.sections[0].entries[0].comment; got != "# [y]" {
		t.Errorf("comment %q", got)
	}
}
