package topology

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// createApplications makes one application with keys from IS and one with keys from the Resident Key
// Manager, and subscribes both to the API, so that only the API's Key Manager restriction can refuse the
// Resident one's token.
func createApplications(ctx context.Context, r *run) error {
	var err error
	if r.env.ISApp, err = createApp(ctx, r, ISAppName, KeyManagerName); err != nil {
		return err
	}
	r.env.ResidentApp, err = createApp(ctx, r, ResidentAppName, wso2am.ResidentKeyManager)
	return err
}

func createApp(ctx context.Context, r *run, name, keyManager string) (AppKeys, error) {
	appID, err := r.env.APIM.CreateApplication(ctx, name)
	if err != nil {
		return AppKeys{}, err
	}
	keys, err := r.env.APIM.GenerateKeys(ctx, appID, keyManager, []string{"client_credentials", "password", "refresh_token"})
	if err != nil {
		if keyManager != wso2am.ResidentKeyManager {
			return AppKeys{}, diagnoseKeyGeneration(ctx, r, err)
		}
		return AppKeys{}, err
	}
	r.env.Redactor.Add(keys.ConsumerSecret)
	if err := retry(ctx, r, "subscribe "+name, retryOn404or5xx, func() error {
		return r.env.APIM.Subscribe(ctx, appID, r.env.API.ID)
	}); err != nil {
		return AppKeys{}, err
	}
	return AppKeys{AppID: appID, KeyManager: keyManager, ConsumerKey: keys.ConsumerKey, ConsumerSecret: keys.ConsumerSecret}, nil
}

// tlsSymptoms are the JVM's words for a TLS peer it does not trust, as API-M logs them.
var tlsSymptoms = []struct{ marker, cause string }{
	{"PKIX path building failed", "API-M does not trust IS's certificate: TLS trust is missing — add the CA of IS's TLS certificate to API-M's client-truststore"},
	{"unable to find valid certification path", "API-M does not trust IS's certificate: TLS trust is missing — add the CA of IS's TLS certificate to API-M's client-truststore"},
	{"doesn't match any of the subject alternative names", "IS's TLS certificate does not name the host API-M calls it by (wso2is): TLS host name verification failed"},
	{"CertificateExpiredException", "IS presents an expired TLS certificate (the images' defaults have expired): give IS a fresh [keystore.tls]"},
}

// unrecognizedField is how IS's DCR endpoint names a request field its version does not know.
var unrecognizedField = regexp.MustCompile(`Unrecognized field : ([A-Za-z0-9_]+)`)

// diagnoseKeyGeneration explains a failed key generation at IS from API-M's log: API-M answers such
// failures generically, but logs the JVM's TLS error or IS's answer.
func diagnoseKeyGeneration(ctx context.Context, r *run, err error) error {
	logs, lerr := r.env.Node(containers.APIMAlias).Logs(ctx)
	if lerr != nil {
		return err
	}
	for _, s := range tlsSymptoms {
		if strings.Contains(string(logs), s.marker) {
			return fmt.Errorf("%s (API-M's log shows %q while calling IS's client registration endpoint): %w", s.cause, s.marker, err)
		}
	}
	if m := unrecognizedField.FindStringSubmatch(string(logs)); m != nil {
		return fmt.Errorf("IS %s rejected API-M's client registration with \"Unrecognized field : %s\": API-M %s's Key Manager connector (%s) sends a DCR field this IS version does not know: %w",
			r.opt.Cell.IS.Version, m[1], r.opt.Cell.APIM.Version, r.opt.Cell.APIM.Connector, err)
	}
	return err
}
