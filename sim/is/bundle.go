package is

import (
	"archive/zip"
	"bufio"
	"io"
	"path/filepath"
	"strings"
)

// logNotifBundle logs the start of the token-revocation handler bundle when a dropins JAR holds the
// interceptor class (identity-server-7.md §9); jar is handlerJAR's answer ("" for none). The OSGi runtime starts the bundle, and its component
// registers the interceptor, whatever deployment.toml says: the [[event_listener]] block only decides
// whether the interceptor then sends anything (newNotifier).
//
// UNCONFIRMED (§9): NotificationServiceComponent.activate in apim-km-wso2is 2.x logs nothing at INFO, and
// the reference names no line a real IS prints when the bundle starts; chose one INFO line from that
// component naming the interceptor, the bundle's symbolic name and its Bundle-Version (OSGi's 0.0.0 when
// the manifest has none), the wording in sim/CONTRACT.md, so that a reader of the log can tell which
// handler version IS loaded.
func (s *server) logNotifBundle(jar string) {
	if jar == "" {
		return
	}
	name, version := bundleIdentity(filepath.Join(s.h.Path("repository/components/dropins"), jar))
	if name == "" {
		name = strings.TrimSuffix(jar, ".jar")
	}
	s.log.Info("org.wso2.is.notification.internal.NotificationServiceComponent",
		"OAuth event interceptor %s registered by bundle %s %s", interceptorName, name, version)
}

// bundleIdentity reads Bundle-SymbolicName (without directives) and Bundle-Version from a JAR's manifest.
func bundleIdentity(path string) (name, version string) {
	version = "0.0.0"
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", version
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "META-INF/MANIFEST.MF" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", version
		}
		defer rc.Close()
		sc := bufio.NewScanner(io.LimitReader(rc, 1<<20))
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "Bundle-SymbolicName":
				name, _, _ = strings.Cut(v, ";")
			case "Bundle-Version":
				if v != "" {
					version = v
				}
			}
		}
	}
	return name, version
}
