package notifjar

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const artifactPath = "/org/wso2/km/ext/wso2is/wso2is.notification.event.handlers/"

// repo is a fake Maven repository serving one artifact version.
type repo struct {
	mu       sync.Mutex
	files    map[string][]byte // path -> body; missing -> 404
	requests []string
}

func (r *repo) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req.URL.Path)
	b, ok := r.files[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	_, _ = w.Write(b)
}

func (r *repo) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

func newRepo(t *testing.T, version string, jar []byte, sha1sum, md5sum string) (*repo, *httptest.Server) {
	t.Helper()
	r := &repo{files: map[string][]byte{}}
	p := artifactPath + version + "/" + FileName(version)
	if jar != nil {
		r.files[p] = jar
	}
	if sha1sum != "" {
		r.files[p+".sha1"] = []byte(sha1sum)
	}
	if md5sum != "" {
		r.files[p+".md5"] = []byte(md5sum)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func sha1hex(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }
func md5hex(b []byte) string  { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func mustStandIn(t *testing.T, v string) []byte {
	t.Helper()
	b, err := StandIn(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNamesAndURL(t *testing.T) {
	if got := FileName("2.1.3"); got != "wso2is.notification.event.handlers-2.1.3.jar" {
		t.Errorf("FileName = %q", got)
	}
	want := "https://maven.wso2.org/nexus/content/repositories/releases/org/wso2/km/ext/wso2is/wso2is.notification.event.handlers/2.1.3/wso2is.notification.event.handlers-2.1.3.jar"
	if got := ArtifactURL(DefaultRepoURL+"/", DefaultVersion); got != want {
		t.Errorf("ArtifactURL = %q", got)
	}
	if !strings.Contains(StandInFileName("2.1.3"), "stand-in") {
		t.Error("stand-in file name does not say so")
	}
}

func TestStandIn(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	if !IsStandIn(jar) {
		t.Fatal("IsStandIn(StandIn) = false")
	}
	if again := mustStandIn(t, "2.1.3"); !bytes.Equal(jar, again) {
		t.Error("StandIn is not deterministic")
	}
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	mf := files["META-INF/MANIFEST.MF"]
	for _, want := range []string{"Bundle-SymbolicName: wso2is.notification.event.handlers\r\n", "Bundle-Version: 2.1.3\r\n", "Kmconform-Stand-In: true\r\n"} {
		if !strings.Contains(mf, want) {
			t.Errorf("manifest lacks %q:\n%s", want, mf)
		}
	}
	class := files[InterceptorEntry]
	if !strings.HasPrefix(class, "\xCA\xFE\xBA\xBE") || !strings.Contains(class, "not real bytecode") {
		t.Errorf("stub class = %q", class)
	}
	if err := validateJar(jar); err != nil {
		t.Errorf("stand-in fails validation: %v", err)
	}
	if _, err := StandIn("../evil"); err == nil {
		t.Error("StandIn accepted a path-like version")
	}
}

func TestIsStandInRejectsOthers(t *testing.T) {
	if IsStandIn([]byte("not a zip")) || IsStandIn(nil) {
		t.Error("garbage detected as stand-in")
	}
	plain := zipOf(t, map[string]string{
		"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nBundle-SymbolicName: wso2is.notification.event.handlers\r\n",
		InterceptorEntry:       "\xCA\xFE\xBA\xBE",
	})
	if IsStandIn(plain) {
		t.Error("a JAR without the marker detected as stand-in")
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchDownloadsVerifiesAndCaches(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	r, srv := newRepo(t, "2.1.3", jar, sha1hex(jar)+"  "+FileName("2.1.3")+"\n", "")
	dir := filepath.Join(t.TempDir(), "cache")
	src := Source{RepoURL: srv.URL, CacheDir: dir, HTTPClient: srv.Client()}

	path, err := src.Fetch(context.Background(), "2.1.3")
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, FileName("2.1.3")) {
		t.Errorf("path = %s", path)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, jar) {
		t.Fatalf("cached file differs (err %v)", err)
	}
	if n := r.count(); n != 2 {
		t.Errorf("%d requests, want 2 (jar + .sha1): %v", n, r.requests)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".kmconform-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// Cache hit: no network at all, even with the server gone.
	srv.Close()
	path2, err := src.Fetch(context.Background(), "2.1.3")
	if err != nil || path2 != path {
		t.Fatalf("cache hit: %s, %v", path2, err)
	}
	if n := r.count(); n != 2 {
		t.Errorf("cache hit made requests: %d", n)
	}
}

func TestFetchDefaultVersion(t *testing.T) {
	jar := mustStandIn(t, DefaultVersion)
	_, srv := newRepo(t, DefaultVersion, jar, sha1hex(jar), "")
	path, err := Source{RepoURL: srv.URL, CacheDir: t.TempDir(), HTTPClient: srv.Client()}.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != FileName(DefaultVersion) {
		t.Errorf("path = %s", path)
	}
}

func TestFetchCorruptCacheIsReplaced(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	r, srv := newRepo(t, "2.1.3", jar, sha1hex(jar), "")
	dir := t.TempDir()
	src := Source{RepoURL: srv.URL, CacheDir: dir, HTTPClient: srv.Client()}
	path, err := src.Fetch(context.Background(), "2.1.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, jar[:len(jar)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Fetch(context.Background(), "2.1.3"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, jar) {
		t.Error("truncated cache file was not replaced")
	}
	if n := r.count(); n != 4 {
		t.Errorf("%d requests, want 4 (downloaded twice)", n)
	}
}

func TestFetchMD5Fallback(t *testing.T) {
	jar := mustStandIn(t, "2.0.5")
	r, srv := newRepo(t, "2.0.5", jar, "", md5hex(jar))
	if _, err := (Source{RepoURL: srv.URL, CacheDir: t.TempDir(), HTTPClient: srv.Client()}).Fetch(context.Background(), "2.0.5"); err != nil {
		t.Fatal(err)
	}
	if n := r.count(); n != 3 {
		t.Errorf("%d requests, want jar, .sha1 (404), .md5", n)
	}
}

func TestFetchMD5NotUsedWhenSHA1Exists(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	// A correct MD5 must not rescue a wrong SHA-1.
	_, srv := newRepo(t, "2.1.3", jar, strings.Repeat("0", 40), md5hex(jar))
	if _, err := (Source{RepoURL: srv.URL, CacheDir: t.TempDir(), HTTPClient: srv.Client()}).Fetch(context.Background(), "2.1.3"); err == nil {
		t.Fatal("wrong SHA-1 accepted")
	}
}

func TestFetchChecksumMismatchCachesNothing(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	_, srv := newRepo(t, "2.1.3", jar, sha1hex([]byte("something else")), "")
	dir := filepath.Join(t.TempDir(), "cache")
	_, err := Source{RepoURL: srv.URL, CacheDir: dir, HTTPClient: srv.Client()}.Fetch(context.Background(), "2.1.3")
	if err == nil {
		t.Fatal("checksum mismatch accepted")
	}
	for _, want := range []string{"SHA1 checksum mismatch", "nothing was cached", "--notification-jar"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("cache not empty after mismatch: %v", entries)
	}
}

func TestFetchErrors(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	cases := []struct {
		name      string
		jar       []byte
		sha1, md5 string
		want      []string
	}{
		{"jar 404", nil, "", "", []string{"download wso2is.notification.event.handlers-2.1.3.jar from http", "404 Not Found",
			"check --notification-jar-version or pass a local file with --notification-jar"}},
		{"no checksum", jar, "", "", []string{"neither", ".sha1", ".md5"}},
		{"garbage checksum", jar, "zz", "", []string{"does not hold a SHA1 digest"}},
		{"not the handler", zipOf(t, map[string]string{"a.txt": "x"}), "", "", []string{"not the notification handler"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s1 := c.sha1
			if c.name == "not the handler" {
				s1 = sha1hex(c.jar)
			}
			_, srv := newRepo(t, "2.1.3", c.jar, s1, c.md5)
			dir := t.TempDir()
			_, err := Source{RepoURL: srv.URL, CacheDir: dir, HTTPClient: srv.Client()}.Fetch(context.Background(), "2.1.3")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, statErr := os.Stat(filepath.Join(dir, FileName("2.1.3"))); statErr == nil {
				t.Error("a file was cached despite the error")
			}
		})
	}
}

func TestFetchCancelledContext(t *testing.T) {
	jar := mustStandIn(t, "2.1.3")
	_, srv := newRepo(t, "2.1.3", jar, sha1hex(jar), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Source{RepoURL: srv.URL, CacheDir: t.TempDir(), HTTPClient: srv.Client()}).Fetch(ctx, "2.1.3"); err == nil {
		t.Fatal("cancelled context ignored")
	}
}

func TestFetchLocalPath(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "handlers.jar")
	if err := os.WriteFile(good, mustStandIn(t, "2.1.3"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The repository must not be contacted for a local file.
	src := Source{RepoURL: "http://127.0.0.1:1", CacheDir: filepath.Join(dir, "cache"), LocalPath: good}
	path, err := src.Fetch(context.Background(), "2.1.3")
	if err != nil || path != good {
		t.Fatalf("Fetch = %s, %v", path, err)
	}

	notZip := filepath.Join(dir, "not.jar")
	noClass := filepath.Join(dir, "noclass.jar")
	_ = os.WriteFile(notZip, []byte("hello"), 0o644)
	_ = os.WriteFile(noClass, zipOf(t, map[string]string{"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n"}), 0o644)
	for p, want := range map[string]string{
		notZip:                        "not a JAR",
		noClass:                       "ApimOauthEventInterceptor.class",
		filepath.Join(dir, "missing"): "pass an existing file with --notification-jar",
	} {
		src.LocalPath = p
		_, err := src.Fetch(context.Background(), "2.1.3")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LocalPath %s: err = %v, want it to mention %q", filepath.Base(p), err, want)
		}
	}
}

func TestFetchRejectsBadVersion(t *testing.T) {
	for _, v := range []string{"../../etc", "2.1.3/x", " 2.1.3"} {
		if _, err := (Source{CacheDir: t.TempDir()}).Fetch(context.Background(), v); err == nil {
			t.Errorf("version %q accepted", v)
		}
	}
}

func TestMirrorCredentialsNeverReachMessages(t *testing.T) {
	src := Source{RepoURL: "http://mirror-user:s3cret-pw@127.0.0.1:9/maven", CacheDir: t.TempDir()}
	_, err := src.Fetch(context.Background(), DefaultVersion)
	if err == nil {
		t.Fatal("a download from a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("the mirror password leaked: %v", err)
	}
}

// The stand-in carries its version where a real bundle does, so a check can compare it with the version
// the API-M release documents.
func TestStandInVersionIsInItsManifest(t *testing.T) {
	for _, v := range []string{"2.0.3", "2.1.3"} {
		jar, err := StandIn(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Version(jar)
		if err != nil || got != v {
			t.Errorf("Version(StandIn(%s)) = %q, %v", v, got, err)
		}
		m, _ := Manifest(jar)
		if m["Bundle-SymbolicName"] != ArtifactID {
			t.Errorf("Bundle-SymbolicName = %q", m["Bundle-SymbolicName"])
		}
	}
	if _, err := Version([]byte("not a zip")); err == nil {
		t.Error("Version of a non-JAR did not fail")
	}
}
