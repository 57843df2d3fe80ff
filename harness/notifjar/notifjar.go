// Package notifjar provides WSO2's token-revocation notification handler JAR
// (org.wso2.is.notification.ApimOauthEventInterceptor) that IS needs in
// repository/components/dropins to tell API-M about revoked tokens: fetched
// from WSO2's Maven repository and verified, taken from a local file, or as a
// clearly marked stand-in for tests and simulator runs.
package notifjar

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

const (
	// GroupID and ArtifactID are the real Maven coordinates. WSO2's docs label
	// the link "notification.event.handlers-….jar", but no
	// org.wso2.is:notification.event.handlers artifact exists.
	GroupID    = "org.wso2.km.ext.wso2is"
	ArtifactID = "wso2is.notification.event.handlers"

	// DefaultVersion is the fallback when the matrix names no version for an
	// API-M release (fixtures/matrix.yaml notificationJar, the version each
	// release's documentation names): 2.1.3, the version WSO2's current API-M
	// documentation and WSO2's own IS 7 integration suite deploy.
	DefaultVersion = "2.1.3"

	// DefaultRepoURL is WSO2's public Maven releases repository.
	DefaultRepoURL = "https://maven.wso2.org/nexus/content/repositories/releases"

	// InterceptorEntry is the class IS loads for the [[event_listener]]
	// named org.wso2.is.notification.ApimOauthEventInterceptor.
	InterceptorEntry = "org/wso2/is/notification/ApimOauthEventInterceptor.class"

	standInMarker = "Kmconform-Stand-In: true"
	maxJarSize    = 64 << 20 // the real JAR is well under 1 MiB
)

var versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// FileName is the Maven file name of the JAR for version.
func FileName(version string) string { return ArtifactID + "-" + version + ".jar" }

// StandInFileName names a stand-in so it can never be mistaken for the real
// JAR on disk.
func StandInFileName(version string) string {
	return ArtifactID + "-" + version + "-kmconform-stand-in.jar"
}

// ArtifactURL is where repoURL serves the JAR for version.
func ArtifactURL(repoURL, version string) string {
	return strings.TrimRight(repoURL, "/") + "/" + strings.ReplaceAll(GroupID, ".", "/") + "/" +
		ArtifactID + "/" + version + "/" + FileName(version)
}

func checkVersion(version string) error {
	if !versionRE.MatchString(version) || strings.Contains(version, "..") {
		return fmt.Errorf("notification JAR version %q is not a Maven version; pass e.g. --notification-jar-version %s", version, DefaultVersion)
	}
	return nil
}

// StandIn returns a stand-in JAR for tests and simulator runs: a valid zip
// with an OSGi-style manifest marked "Kmconform-Stand-In: true" and a stub
// interceptor class that is not real bytecode. Output is byte-for-byte
// deterministic. IS cannot run it; it only exercises file handling.
func StandIn(version string) ([]byte, error) {
	if err := checkVersion(version); err != nil {
		return nil, err
	}
	manifest := strings.Join([]string{
		"Manifest-Version: 1.0",
		"Bundle-ManifestVersion: 2",
		"Bundle-Name: kmconform stand-in for " + ArtifactID + " (not the real JAR)",
		"Bundle-SymbolicName: " + ArtifactID,
		"Bundle-Version: " + version,
		standInMarker,
		"", "",
	}, "\r\n")
	// Class-file magic so naive "is this a class" checks pass, then a
	// plain-text note: this is NOT loadable bytecode.
	class := append([]byte{0xCA, 0xFE, 0xBA, 0xBE},
		[]byte("\n// kmconform stand-in: not real bytecode; do not deploy to a real Identity Server.\n")...)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// A fixed timestamp keeps the archive deterministic.
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"META-INF/MANIFEST.MF", []byte(manifest)},
		{InterceptorEntry, class},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return nil, fmt.Errorf("notifjar: build stand-in: %w", err)
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, fmt.Errorf("notifjar: build stand-in: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("notifjar: build stand-in: %w", err)
	}
	return buf.Bytes(), nil
}

// IsStandIn reports whether jar is a stand-in made by StandIn, so a run can
// refuse to present one as the real handler.
func IsStandIn(jar []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name != "META-INF/MANIFEST.MF" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		sc := bufio.NewScanner(io.LimitReader(rc, 1<<20))
		for sc.Scan() {
			if strings.TrimRight(sc.Text(), "\r") == standInMarker {
				return true
			}
		}
		return false
	}
	return false
}

// validateJar checks that data is a zip holding the interceptor class.
func validateJar(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("not a JAR (zip) file: %w", err)
	}
	for _, f := range zr.File {
		if f.Name == InterceptorEntry {
			return nil
		}
	}
	return fmt.Errorf("it does not contain %s", InterceptorEntry)
}

// Source says where Fetch gets the JAR. The zero value downloads from
// DefaultRepoURL into the user cache directory.
type Source struct {
	RepoURL    string       // Maven repository root; DefaultRepoURL if empty
	CacheDir   string       // os.UserCacheDir()/kmconform/jars if empty
	LocalPath  string       // use this file instead of downloading
	HTTPClient *http.Client // http.Client with a 2-minute timeout if nil
}

// Fetch returns the path of a verified JAR for version (DefaultVersion if
// empty): LocalPath if set, else a verified cached copy, else a fresh
// download checked against the repository's published SHA-1 (MD5 only when
// no .sha1 is published) and written atomically into the cache.
func (s Source) Fetch(ctx context.Context, version string) (string, error) {
	if version == "" {
		version = DefaultVersion
	}
	if err := checkVersion(version); err != nil {
		return "", err
	}
	repo := s.RepoURL
	if repo == "" {
		repo = DefaultRepoURL
	}
	url := ArtifactURL(repo, version)
	shown := redactedURL(url) // a mirror's credentials never reach a message

	if s.LocalPath != "" {
		data, err := readLimited(s.LocalPath)
		if err != nil {
			return "", fmt.Errorf("read notification JAR %s: %v; pass an existing file with --notification-jar or omit it to download %s", s.LocalPath, err, shown)
		}
		if err := validateJar(data); err != nil {
			return "", fmt.Errorf("notification JAR %s is not usable: %v; pass %s (from %s) with --notification-jar", s.LocalPath, err, FileName(version), shown)
		}
		abs, err := filepath.Abs(s.LocalPath)
		if err != nil {
			return "", fmt.Errorf("resolve notification JAR path %s: %w", s.LocalPath, err)
		}
		return abs, nil
	}

	dir, err := s.cacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory for %s: %v; set a cache directory or pass a local file with --notification-jar", FileName(version), err)
	}
	path := filepath.Join(dir, FileName(version))
	if ok := cachedOK(path); ok {
		return path, nil
	}

	client := s.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	hint := "check --notification-jar-version or pass a local file with --notification-jar"
	data, status, err := get(ctx, client, url)
	if err != nil {
		return "", fmt.Errorf("download %s from %s: %v; check network access to the repository or pass a local file with --notification-jar", FileName(version), shown, err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("download %s from %s: %s; %s", FileName(version), shown, statusText(status), hint)
	}

	algo, want, err := publishedChecksum(ctx, client, url)
	if err != nil {
		return "", fmt.Errorf("verify %s: %v; retry later or pass a verified local file with --notification-jar", FileName(version), err)
	}
	var h hash.Hash = sha1.New()
	if algo == "md5" {
		h = md5.New()
	}
	h.Write(data)
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return "", fmt.Errorf("verify %s from %s: %s checksum mismatch (got %s, published %s); the download is corrupt or was tampered with, so nothing was cached: retry, or pass a verified local file with --notification-jar",
			FileName(version), url, strings.ToUpper(algo), got, want)
	}
	if err := validateJar(data); err != nil {
		return "", fmt.Errorf("downloaded %s from %s is not the notification handler: %v; %s", FileName(version), shown, err, hint)
	}
	if err := writeCache(dir, path, data); err != nil {
		return "", fmt.Errorf("cache %s in %s: %v; make the cache directory writable or pass a local file with --notification-jar", FileName(version), dir, err)
	}
	return path, nil
}

func (s Source) cacheDir() (string, error) {
	if s.CacheDir != "" {
		return s.CacheDir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "kmconform", "jars"), nil
}

// Cached returns the path of a verified cached copy of the JAR for version, if there is one, without
// downloading anything (what 'kmconform plan' shows). A local file is not a cached copy.
func (s Source) Cached(version string) (string, bool) {
	if version == "" {
		version = DefaultVersion
	}
	if checkVersion(version) != nil {
		return "", false
	}
	dir, err := s.cacheDir()
	if err != nil {
		return "", false
	}
	path := filepath.Join(dir, FileName(version))
	return path, cachedOK(path)
}

// URL is where the JAR for version is downloaded from, without a mirror's credentials.
func (s Source) URL(version string) string {
	repo := s.RepoURL
	if repo == "" {
		repo = DefaultRepoURL
	}
	return redactedURL(ArtifactURL(repo, version))
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("HTTP %d", code)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJarSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxJarSize {
		return nil, fmt.Errorf("larger than %d MiB", maxJarSize>>20)
	}
	return data, nil
}

func get(ctx context.Context, client *http.Client, url string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, resp.StatusCode, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJarSize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read response: %w", err)
	}
	if len(data) > maxJarSize {
		return nil, 0, fmt.Errorf("response larger than %d MiB", maxJarSize>>20)
	}
	return data, resp.StatusCode, nil
}

// publishedChecksum fetches Maven's <file>.sha1, falling back to <file>.md5
// only when the .sha1 does not exist.
func publishedChecksum(ctx context.Context, client *http.Client, url string) (algo, sum string, err error) {
	for _, c := range []struct {
		algo string
		size int
	}{{"sha1", sha1.Size}, {"md5", md5.Size}} {
		data, status, err := get(ctx, client, url+"."+c.algo)
		if err != nil {
			return "", "", fmt.Errorf("download %s.%s: %w", redactedURL(url), c.algo, err)
		}
		if status == http.StatusNotFound {
			continue
		}
		if status != http.StatusOK {
			return "", "", fmt.Errorf("download %s.%s: %s", redactedURL(url), c.algo, statusText(status))
		}
		// Maven checksum files hold the hex digest, sometimes followed by a file name.
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			return "", "", fmt.Errorf("%s.%s is empty", redactedURL(url), c.algo)
		}
		s := strings.ToLower(fields[0])
		if b, err := hex.DecodeString(s); err != nil || len(b) != c.size {
			return "", "", fmt.Errorf("%s.%s does not hold a %s digest", redactedURL(url), c.algo, strings.ToUpper(c.algo))
		}
		return c.algo, s, nil
	}
	return "", "", fmt.Errorf("the repository publishes neither %s.sha1 nor %s.md5", redactedURL(url), redactedURL(url))
}

// The cache keeps a SHA-256 sidecar written after the verified JAR, so a
// truncated or altered cache file is detected offline and downloaded again.
func sidecar(path string) string { return path + ".sha256" }

func cachedOK(path string) bool {
	data, err := readLimited(path)
	if err != nil {
		return false
	}
	want, err := os.ReadFile(sidecar(path))
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	return strings.TrimSpace(string(want)) == hex.EncodeToString(sum[:]) && validateJar(data) == nil
}

func writeCache(dir, path string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if err := writeAtomic(dir, path, data); err != nil {
		return err
	}
	return writeAtomic(dir, sidecar(path), []byte(hex.EncodeToString(sum[:])+"\n"))
}

// writeAtomic writes via a temporary file and rename, so concurrent runs and
// interrupted downloads never leave a partial file under the final name.
func writeAtomic(dir, path string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".kmconform-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return errors.Join(errors.New("rename into place"), err)
	}
	return nil
}

// redactedURL hides the password of a mirror URL given with credentials (https://user:pw@host/…).
func redactedURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}
