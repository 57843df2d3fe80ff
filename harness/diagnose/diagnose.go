// Package diagnose explains product failures from the products' logs. API-M answers a failed call to IS
// generically, but logs the JVM's TLS error or IS's own answer; these are the words a release engineer
// needs next to the failure.
package diagnose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kmconform/kmconform/harness/matrix"
)

// tlsSymptoms are the JVM's words for a TLS peer it does not accept, as API-M logs them.
var tlsSymptoms = []struct{ marker, cause string }{
	{"PKIX path building failed", "API-M does not trust IS's certificate: TLS trust is missing — add the CA of IS's TLS certificate to API-M's client-truststore"},
	{"unable to find valid certification path", "API-M does not trust IS's certificate: TLS trust is missing — add the CA of IS's TLS certificate to API-M's client-truststore"},
	{"doesn't match any of the subject alternative names", "IS's TLS certificate does not name the host API-M calls it by (wso2is): TLS host name verification failed"},
	{"CertificateExpiredException", "IS presents an expired TLS certificate (the images' defaults have expired): give IS a fresh [keystore.tls]"},
}

// unrecognizedField is how IS's DCR endpoint names a request field its version does not know.
var unrecognizedField = regexp.MustCompile(`Unrecognized field : ([A-Za-z0-9_]+)`)

// KeyGeneration explains a failed key generation at IS from API-M's log, or returns err unchanged.
func KeyGeneration(apimLog []byte, cell matrix.Cell, err error) error {
	log := string(apimLog)
	for _, s := range tlsSymptoms {
		if strings.Contains(log, s.marker) {
			return fmt.Errorf("%s (API-M's log shows %q while calling IS's client registration endpoint): %w", s.cause, s.marker, err)
		}
	}
	if m := unrecognizedField.FindStringSubmatch(log); m != nil {
		return fmt.Errorf("IS %s rejected API-M's client registration with \"Unrecognized field : %s\": API-M %s's Key Manager connector (%s) sends a DCR field this IS version does not know: %w",
			cell.IS.Version, m[1], cell.APIM.Version, cell.APIM.Connector, err)
	}
	return err
}

// TLS names the first JVM TLS symptom in a log ("" if none): a check that sees a product fail to reach its
// peer says why.
func TLS(log []byte) string {
	for _, s := range tlsSymptoms {
		if strings.Contains(string(log), s.marker) {
			return s.cause + " (the log shows " + fmt.Sprintf("%q", s.marker) + ")"
		}
	}
	return ""
}
