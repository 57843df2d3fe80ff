package defaulthome

import "strings"

// gatewayTypes is the [apim] gateway_type list of the versions whose default file has it (4.5.0+).
var gatewayTypes = map[string]string{
	"4.5.0": "Regular,APK,AWS",
	"4.6.0": "Regular,APK,AWS,Azure,Kong,Envoy",
	"4.7.0": "Regular,APK,AWS,Azure,Kong,Envoy,APIPlatform",
}

// apimTOML renders an API-M 4.x all-in-one deployment.toml resembling the GA default of version
// (api-manager-4.md §1, §7): [keystore.tls] on wso2carbon.jks, the Default hybrid gateway environment,
// and API-M's own token-revocation [[event_listener]] that posts to its /internal/data/v1/notify with
// X-WSO2-KEY-MANAGER "default".
func apimTOML(version string) string {
	var b strings.Builder
	b.WriteString(`[server]
hostname = "localhost"
#offset = 0
base_path = "${carbon.protocol}://${carbon.host}:${carbon.management.port}"
server_role = "default"

[super_admin]
username = "admin"
password = "admin"
create_admin_account = true

[user_store]
type = "database_unique_id"

[database.apim_db]
type = "h2"
url = "jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"
username = "wso2carbon"
password = "wso2carbon"

[database.shared_db]
type = "h2"
url = "jdbc:h2:./repository/database/WSO2SHARED_DB;DB_CLOSE_ON_EXIT=FALSE"
username = "wso2carbon"
password = "wso2carbon"

[keystore.tls]
file_name = "wso2carbon.jks"
type = "JKS"
password = "wso2carbon"
alias = "wso2carbon"
key_password = "wso2carbon"

# Primary and internal key stores default to the same file.
#[keystore.primary]
#file_name = "wso2carbon.jks"
#type = "JKS"
#password = "wso2carbon"
#alias = "wso2carbon"
#key_password = "wso2carbon"

#[keystore.internal]
#file_name = "wso2carbon.jks"
#type = "JKS"
#password = "wso2carbon"
#alias = "wso2carbon"
#key_password = "wso2carbon"

`)
	if gt, ok := gatewayTypes[version]; ok {
		b.WriteString("[apim]\ngateway_type = \"" + gt + "\"\n\n")
	}
	b.WriteString(`[[apim.gateway.environment]]
name = "Default"
type = "hybrid"
gateway_type = "Regular"
provider = "wso2"
display_in_api_console = true
description = "Hybrid gateway for production and sandbox traffic."
show_as_token_endpoint_url = true
service_url = "https://localhost:${mgt.transport.https.port}/services/"
username = "${admin.username}"
password = "${admin.password}"
ws_endpoint = "ws://localhost:9099"
wss_endpoint = "wss://localhost:8099"
http_endpoint = "http://localhost:${http.nio.port}"
https_endpoint = "https://localhost:${https.nio.port}"
websub_event_receiver_http_endpoint = "http://localhost:9021"
websub_event_receiver_https_endpoint = "https://localhost:8021"

[apim.sync_runtime_artifacts.gateway]
gateway_labels = ["Default"]

`)
	if version == "4.7.0" {
		b.WriteString(`[[oauth.extensions.token_types]]
name = "JWT"
issuer = "org.wso2.is.key.manager.tokenpersistence.issuer.ExtendedJWTTokenIssuer"

`)
	}
	b.WriteString("[apim.analytics]\nenable = false\n")
	if version >= "4.6.0" {
		b.WriteString("type = \"moesif\"\n\n")
	} else {
		b.WriteString("auth_token = \"\"\n\n")
	}
	b.WriteString("[apim.ai]\nenable = true\n")
	if version >= "4.5.0" {
		b.WriteString("key = \"\"\n")
	} else {
		b.WriteString("token = \"\"\n")
	}
	if version == "4.3.0" {
		b.WriteString("endpoint = \"\"\n")
	}
	b.WriteString("\n[apim.key_manager]\n")
	if version == "4.3.0" {
		b.WriteString("enable_apikey_subscription_validation = true\n")
	} else {
		b.WriteString("enable_lightweight_apikey_generation = true\n")
	}
	b.WriteString(`#service_url = "https://localhost:${mgt.transport.https.port}/services/"
#username = "$ref{super_admin.username}"
#password = "$ref{super_admin.password}"

[apim.cors]
allow_origins = "*"
allow_methods = ["GET","PUT","POST","DELETE","PATCH","OPTIONS"]
allow_headers = ["authorization","Access-Control-Allow-Origin","Content-Type","SOAPAction","apikey","Internal-Key"]
allow_credentials = false

#[apim.token.revocation]
#notifier_impl = "org.wso2.carbon.apimgt.notification.TokenRevocationNotifierImpl"
#enable_realtime_notifier = true
#realtime_notifier.ttl = 5000

[[event_handler]]
name = "userPostSelfRegistration"
subscriptions = ["POST_ADD_USER"]

[service_provider]
sp_name_regex = "^[\\sa-zA-Z0-9._-]*$"

[database.local]
`)
	if version == "4.7.0" {
		b.WriteString("url = \"jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE;DB_CLOSE_DELAY=-1\"\n")
	} else {
		b.WriteString("url = \"jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE\"\n")
	}
	b.WriteString(`
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
`)
	return b.String()
}
