package defaulthome

import "strings"

// isTOML renders an IS 7.x deployment.toml resembling the GA default of version (identity-server-7.md
// §1, §2): H2 databases, admin/admin, JKS stores on 7.0.0 and PKCS12 from 7.1.0, the agent-identity
// datasource from 7.2.0, and the internal/tls key store blocks commented out (they default to the
// primary key store).
func isTOML(version string) string {
	storeExt, storeType := "p12", "PKCS12"
	if version == "7.0.0" {
		storeExt, storeType = "jks", "JKS"
	}
	var b strings.Builder
	b.WriteString(`[server]
hostname = "localhost"
node_ip = "127.0.0.1"
base_path = "https://$ref{server.hostname}:${carbon.management.port}"

[super_admin]
username = "admin"
password = "admin"
create_admin_account = true

[user_store]
type = "database_unique_id"

[database.identity_db]
type = "h2"
url = "jdbc:h2:./repository/database/WSO2IDENTITY_DB;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000"
username = "wso2carbon"
password = "wso2carbon"

[database.shared_db]
type = "h2"
url = "jdbc:h2:./repository/database/WSO2SHARED_DB;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000"
username = "wso2carbon"
password = "wso2carbon"

`)
	// identity-server-7.md §1: 7.2 adds [datasource.AgentIdentity].
	// UNCONFIRMED (§1 has no 7.3.0 toml): chose to keep it in 7.3.0.
	if version >= "7.2.0" {
		b.WriteString(`[datasource.AgentIdentity]
id = "AgentIdentity"
url = "jdbc:h2:./repository/database/WSO2AGENTIDENTITY_DB;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000"
username = "wso2carbon"
password = "wso2carbon"
driver = "org.h2.Driver"

`)
	}
	b.WriteString(`[keystore.primary]
file_name = "wso2carbon.` + storeExt + `"
password = "wso2carbon"
type = "` + storeType + `"

[truststore]
file_name = "client-truststore.` + storeExt + `"
password = "wso2carbon"
type = "` + storeType + `"

# Key store for encrypting internal data; when absent the primary key store is used.
#[keystore.internal]
#file_name = "$ref{keystore.primary.file_name}"
#type = "$ref{keystore.primary.type}"
#password = "$ref{keystore.primary.password}"
#alias = "$ref{keystore.primary.alias}"
#key_password = "$ref{keystore.primary.key_password}"

# Key store for TLS; when absent the primary key store is used.
#[keystore.tls]
#file_name = "$ref{keystore.primary.file_name}"
#type = "$ref{keystore.primary.type}"
#password = "$ref{keystore.primary.password}"
#alias = "$ref{keystore.primary.alias}"
#key_password = "$ref{keystore.primary.key_password}"

# Outgoing e-mail (SMTP) settings.
#[output_adapter.email]
#from_address = "wso2iam.sender@example.com"
#username = "wso2iam.sender"
#password = "change-me"
#hostname = "smtp.example.com"
#port = 587
`)
	return b.String()
}
