// Package home reads a product home the way WSO2 products lay it out inside their images:
// repository/conf/deployment.toml, the key and trust stores under repository/resources/security,
// repository/components/dropins and repository/logs. Both simulated products (sim/is and sim/apim)
// read their configuration through it, so that a harness that writes a home for the real product
// drives the simulator with the very same files.
package home

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Well-known locations inside a product home (identical in the IS 7.x and API-M 4.x images).
const (
	ConfFile    = "repository/conf/deployment.toml"
	SecurityDir = "repository/resources/security"
	DropinsDir  = "repository/components/dropins"
	LogsDir     = "repository/logs"
	CarbonLog   = "repository/logs/wso2carbon.log"
)

// Home is a product home folder with its parsed deployment.toml.
type Home struct {
	Dir  string
	TOML map[string]any
}

// Load parses <dir>/repository/conf/deployment.toml. A missing or malformed file is an error, as it
// stops the real product at start-up.
func Load(dir string) (*Home, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ConfFile))
	if err != nil {
		return nil, fmt.Errorf("read deployment.toml: %w", err)
	}
	var m map[string]any
	if err := toml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", ConfFile, err)
	}
	return &Home{Dir: dir, TOML: m}, nil
}

// Path joins a home-relative path.
func (h *Home) Path(rel string) string { return filepath.Join(h.Dir, filepath.FromSlash(rel)) }

// Lookup walks dotted table names, e.g. Lookup("server", "hostname"). Arrays of tables are not
// walked (use Tables).
func (h *Home) Lookup(path ...string) (any, bool) {
	var cur any = h.TOML
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// String returns the string at path, or def when absent or not a string.
func (h *Home) String(def string, path ...string) string {
	v, ok := h.Lookup(path...)
	if s, isStr := v.(string); ok && isStr {
		return s
	}
	return def
}

// Int returns the integer at path, or def.
func (h *Home) Int(def int, path ...string) int {
	v, ok := h.Lookup(path...)
	if !ok {
		return def
	}
	switch n := v.(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return def
}

// Bool returns the boolean at path, or def. TOML strings "true"/"false" are accepted, as the
// products' config mapper accepts them.
func (h *Home) Bool(def bool, path ...string) bool {
	v, ok := h.Lookup(path...)
	if !ok {
		return def
	}
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return def
}

// Tables returns the elements of an array of tables such as [[event_listener]] or
// [[resource.access_control]]; nil when absent.
func (h *Home) Tables(path ...string) []map[string]any {
	v, ok := h.Lookup(path...)
	if !ok {
		return nil
	}
	var out []map[string]any
	switch arr := v.(type) {
	case []any:
		for _, e := range arr {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case []map[string]any:
		out = arr
	}
	return out
}

// SuperAdmin returns the [super_admin] credentials (admin/admin by default, as in the images).
func (h *Home) SuperAdmin() (user, password string) {
	return h.String("admin", "super_admin", "username"), h.String("admin", "super_admin", "password")
}

// Hostname is [server] hostname, lower-cased as the products' URL builders do.
func (h *Home) Hostname() string {
	return strings.ToLower(h.String("localhost", "server", "hostname"))
}

// PortOffset is [server] offset.
func (h *Home) PortOffset() int { return h.Int(0, "server", "offset") }

// Dropins lists the file names in repository/components/dropins, sorted.
func (h *Home) Dropins() ([]string, error) {
	entries, err := os.ReadDir(h.Path(DropinsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read dropins: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
