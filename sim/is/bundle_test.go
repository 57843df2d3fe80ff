package is

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/sim/home"
)

// addBundle writes an OSGi bundle into dropins: a manifest with the given attributes and the interceptor class.
func addBundle(t *testing.T, h *home.Home, name, manifest string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("META-INF/MANIFEST.MF")
	_, _ = w.Write([]byte(manifest))
	w, _ = zw.Create(interceptorClass)
	_, _ = w.Write([]byte("cafebabe"))
	_ = zw.Close()
	if err := os.WriteFile(filepath.Join(h.Path(home.DropinsDir), name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHandlerBundleStartIsLogged: §9 and sim/CONTRACT.md — when a dropins JAR holds the interceptor class
// IS logs that the bundle registered the interceptor, with the bundle's name and version, whether or not
// the [[event_listener]] block is there (UNCONFIRMED wording); without such a JAR it logs nothing of the kind.
func TestHandlerBundleStartIsLogged(t *testing.T) {
	const line = "OAuth event interceptor org.wso2.is.notification.ApimOauthEventInterceptor registered by bundle "
	for _, c := range []struct {
		name, manifest, toml, want string
	}{
		{"bundle with listener", "Manifest-Version: 1.0\r\nBundle-SymbolicName: wso2is.notification.event.handlers;singleton:=true\r\nBundle-Version: 2.0.5\r\n\r\n",
			listenerTOML("https://wso2am:9443/internal/data/v1/notify", handlerType, ""), "wso2is.notification.event.handlers 2.0.5"},
		{"bundle without listener", "Manifest-Version: 1.0\nBundle-SymbolicName: wso2is.notification.event.handlers\nBundle-Version: 2.1.3\n\n",
			"", "wso2is.notification.event.handlers 2.1.3"},
		{"no Bundle-Version", "Manifest-Version: 1.0\nBundle-SymbolicName: wso2is.notification.event.handlers\n\n", "",
			"wso2is.notification.event.handlers 0.0.0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHome(t, "7.1.0", c.toml)
			addBundle(t, h, "h.jar", c.manifest)
			s := start(t, "7.1.0", h, Options{})
			if !strings.Contains(s.log.String(), line+c.want+"\n") {
				t.Errorf("log lacks %q:\n%s", line+c.want, s.log.String())
			}
		})
	}
	t.Run("no handler JAR", func(t *testing.T) {
		h := newHome(t, "7.1.0", "")
		addJAR(t, h, "other.jar", "org/wso2/Other.class")
		s := start(t, "7.1.0", h, Options{})
		if strings.Contains(s.log.String(), "registered by bundle") {
			t.Errorf("log claims a handler bundle:\n%s", s.log.String())
		}
	})
}
