// Package defaulthome writes the default product home of an IS 7.x or API-M 4.x release, shaped like
// the official image's WSO2_SERVER_HOME (sim/CONTRACT.md): repository/conf/deployment.toml resembling the
// GA default of that version, the key and trust stores under repository/resources/security (expired,
// self-signed default certificates, as the images ship), and empty dropins and logs folders.
package defaulthome

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Products and versions kmsim plays.
var (
	ISVersions   = []string{"7.0.0", "7.1.0", "7.2.0", "7.3.0"}
	APIMVersions = []string{"4.3.0", "4.4.0", "4.5.0", "4.6.0", "4.7.0"}
)

// Store password of every default store (identity-server-7.md §2; api-manager-4.md §1).
const storePassword = "wso2carbon"

// CheckVersion returns a one-sentence error when kmsim does not play product/version.
func CheckVersion(product, version string) error {
	switch product {
	case "is":
		if !slices.Contains(ISVersions, version) {
			return fmt.Errorf("unsupported IS version %s: kmsim plays %s", version, strings.Join(ISVersions, ", "))
		}
	case "apim":
		if !slices.Contains(APIMVersions, version) {
			return fmt.Errorf("unsupported API-M version %s: kmsim plays %s", version, strings.Join(APIMVersions, ", "))
		}
	default:
		return fmt.Errorf("unsupported product %q: kmsim plays is and apim", product)
	}
	return nil
}

// Write writes the default home of product ("is" or "apim") at version into dir.
func Write(product, version, dir string) error {
	if err := CheckVersion(product, version); err != nil {
		return err
	}
	for _, d := range []string{"repository/conf", "repository/resources/security", "repository/components/dropins", "repository/logs"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	var toml string
	var stores func(string) error
	if product == "is" {
		toml = isTOML(version)
		stores = func(sec string) error { return writeISStores(version, sec) }
	} else {
		toml = apimTOML(version)
		stores = writeAPIMStores
	}
	conf := filepath.Join(dir, "repository", "conf", "deployment.toml")
	if err := os.WriteFile(conf, []byte(toml), 0o644); err != nil {
		return fmt.Errorf("write deployment.toml: %w", err)
	}
	if err := stores(filepath.Join(dir, "repository", "resources", "security")); err != nil {
		return fmt.Errorf("write %s %s stores: %w", product, version, err)
	}
	return nil
}
