package is

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/defaulthome"
	"github.com/kmconform/kmconform/sim/home"
)

// Default homes are generated once per version (RSA key generation is the slow part) and copied per test.
var (
	homesMu   sync.Mutex
	homesRoot string
	homes     = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kmsim-is-test")
	if err != nil {
		panic(err)
	}
	homesRoot = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func defaultHome(t *testing.T, version string) string {
	t.Helper()
	homesMu.Lock()
	defer homesMu.Unlock()
	if d, ok := homes[version]; ok {
		return d
	}
	d := filepath.Join(homesRoot, version)
	if err := defaulthome.Write("is", version, d); err != nil {
		t.Fatal(err)
	}
	homes[version] = d
	return d
}

// newHome copies the default home of version and appends extra TOML to its deployment.toml.
func newHome(t *testing.T, version, extraTOML string) *home.Home {
	t.Helper()
	src := defaultHome(t, version)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if extraTOML != "" {
		conf := filepath.Join(dst, home.ConfFile)
		b, _ := os.ReadFile(conf)
		if err := os.WriteFile(conf, append(b, []byte("\n"+extraTOML)...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := home.Load(dst)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// addJAR writes a zip into dropins holding the given entry names.
func addJAR(t *testing.T, h *home.Home, name string, entries ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, _ := zw.Create(e)
		_, _ = w.Write([]byte("cafebabe"))
	}
	_ = zw.Close()
	if err := os.WriteFile(filepath.Join(h.Path(home.DropinsDir), name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sim is a simulated IS behind httptest, with its log captured.
type sim struct {
	t   *testing.T
	s   *server
	srv *httptest.Server
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func start(t *testing.T, version string, h *home.Home, opt Options) *sim {
	t.Helper()
	buf := &syncBuffer{}
	opt.Version = version
	opt.Log = carbonlog.To(buf)
	s, err := newServer(h, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	return &sim{t: t, s: s, srv: srv, log: buf}
}

func startDefault(t *testing.T, version string) *sim {
	return start(t, version, newHome(t, version, ""), Options{})
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (s *sim) do(method, path string, body io.Reader, hdr map[string]string) resp {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func basic(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

func (s *sim) form(path string, v url.Values, auth string) resp {
	s.t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if auth != "" {
		h["Authorization"] = auth
	}
	return s.do("POST", path, strings.NewReader(v.Encode()), h)
}

// register creates a DCR app and returns client_id, client_secret.
func (s *sim) register(body map[string]any) (string, string) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	r := s.do("POST", dcrPath, bytes.NewReader(b), map[string]string{"Content-Type": "application/json", "Authorization": basic("admin", "admin")})
	if r.status != 201 {
		s.t.Fatalf("DCR register: %d %s", r.status, r.body)
	}
	m := r.json(s.t)
	return m["client_id"].(string), m["client_secret"].(string)
}

func (s *sim) app(name, tokenType string, grants ...string) (string, string) {
	body := map[string]any{"client_name": name, "grant_types": grants, "redirect_uris": []string{}}
	if tokenType != "" {
		body["token_type_extension"] = tokenType
	}
	return s.register(body)
}

func (s *sim) token(id, secret string, v url.Values) resp {
	return s.form("/oauth2/token", v, basic(id, secret))
}
