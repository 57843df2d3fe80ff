package is

import (
	"net/url"
)

const grantNTLM = "iwa:ntlm"

// grantIWANTLM is NTLMAuthenticationGrantHandler on a Linux server (§4). UNCONFIRMED (§4,
// UNCONFIRMED-8): the handler builds Waffle's WindowsAuthProviderImpl / Windows credential handles
// before it looks at the token; on Linux the JNA bindings to Secur32/Kernel32 cannot load, which
// surfaces as an Error (UnsatisfiedLinkError/NoClassDefFoundError) or an IdentityOAuth2Exception —
// neither a client error — so chose the token endpoint's server error: 500 server_error
// "Internal Server Error." plus an ERROR log line. A missing windows_token is rejected earlier by the
// request validator ("Missing parameters: windows_token", also UNCONFIRMED).
func grantIWANTLM(s *server, a *app, _ url.Values) (*grantResult, *oauthError) {
	s.log.Error("org.wso2.carbon.identity.oauth2.token.handlers.grant.iwa.ntlm.NTLMAuthenticationGrantHandler",
		"Error while validating the NTLM authentication grant for client %s\njava.lang.UnsatisfiedLinkError: Unable to load library 'Secur32'", a.clientID)
	return nil, &oauthError{status: 500, code: "server_error", desc: "Internal Server Error."}
}
