package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/kmconform/kmconform/containers"
)

// These tests need no Docker engine.

func TestOwnedTar(t *testing.T) {
	r, err := ownedTar([]string{"new", "dir"}, "f.toml", []byte("x=1\n"), 0o640, Owner{802, 803})
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(r)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got = append(got, fmt.Sprintf("%c %s %o %d:%d %q", h.Typeflag, h.Name, h.Mode, h.Uid, h.Gid, body))
	}
	want := []string{`5 new/ 755 802:803 ""`, `5 new/dir/ 755 802:803 ""`, `0 new/dir/f.toml 640 802:803 "x=1\n"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReadTarFile(t *testing.T) {
	entry := func(h *tar.Header, body string) io.Reader {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		h.Size = int64(len(body))
		_ = tw.WriteHeader(h)
		_, _ = tw.Write([]byte(body))
		_ = tw.Close()
		return &buf
	}
	data, link, err := readTarFile(entry(&tar.Header{Typeflag: tar.TypeReg, Name: "a", Mode: 0o644}, "hello"))
	if string(data) != "hello" || link != "" || err != nil {
		t.Errorf("regular file: %q %q %v", data, link, err)
	}
	if _, link, err = readTarFile(entry(&tar.Header{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "../b"}, "")); link != "../b" || err != nil {
		t.Errorf("symlink: %q %v", link, err)
	}
	if _, _, err = readTarFile(entry(&tar.Header{Typeflag: tar.TypeDir, Name: "d/"}, "")); err == nil {
		t.Error("a directory read as a file")
	}
}

func TestPathStaysInHome(t *testing.T) {
	n := &node{spec: containers.Spec{Alias: "wso2is"}, home: "/home/wso2carbon/wso2is-7.1.0"}
	for rel, want := range map[string]string{
		"repository/conf/deployment.toml": "/home/wso2carbon/wso2is-7.1.0/repository/conf/deployment.toml",
		"a/../b.txt":                      "/home/wso2carbon/wso2is-7.1.0/b.txt",
		"..foo":                           "/home/wso2carbon/wso2is-7.1.0/..foo",
		"../x":                            "", "/etc/passwd": "", "": "", ".": "", "a/../..": "",
	} {
		got, err := n.path(rel)
		if (want == "") != (err != nil) || got != want {
			t.Errorf("path(%q) = %q, %v; want %q", rel, got, err, want)
		}
	}
}

func TestHomeAndFlag(t *testing.T) {
	for _, c := range []struct {
		spec       containers.Spec
		home, flag string
	}{
		{containers.Spec{Product: containers.IS, Version: "7.1.0"}, "/home/wso2carbon/wso2is-7.1.0", "pass a mirror with --is-image"},
		{containers.Spec{Product: containers.APIM, Version: "4.5.0"}, "/home/wso2carbon/wso2am-4.5.0", "pass a mirror with --apim-image"},
		{containers.Spec{Product: containers.Echo}, "/", "rebuild the simulator images with 'make build'"},
	} {
		h, err := home(c.spec)
		if h != c.home || err != nil || imageHint(c.spec.Product) != c.flag {
			t.Errorf("%s: home %q %v, hint %s", c.spec.Product, h, err, imageHint(c.spec.Product))
		}
	}
	if _, err := home(containers.Spec{Product: containers.IS}); err == nil {
		t.Error("an IS node without a version has a home")
	}
	if _, err := home(containers.Spec{Product: "tm", Version: "1"}); err == nil {
		t.Error("an unknown product has a home")
	}
}

// fakeEngine answers the two calls of a pull: the image is not local, and /images/create streams body.
func fakeEngine(t *testing.T, body string) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/json") && strings.Contains(r.URL.Path, "/images/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"No such image"}`)
		case strings.HasSuffix(r.URL.Path, "/images/create"):
			w.Header().Set("Content-Type", "application/json")
			for _, line := range strings.Split(body, "\n") {
				fmt.Fprintln(w, line)
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	cli, err := client.New(client.WithHost("tcp://"+strings.TrimPrefix(srv.URL, "http://")), client.WithAPIVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	return cli
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.buf.String() }

func TestPullProgressAndStreamError(t *testing.T) {
	old := pullReportEvery
	pullReportEvery = 30 * time.Millisecond
	t.Cleanup(func() { pullReportEvery = old })
	spec := containers.Spec{Product: containers.APIM, Version: "4.5.0", Alias: "wso2am", Image: "mirror.example/wso2/wso2am:4.5.0"}

	ok := strings.Join([]string{
		`{"status":"Pulling from wso2/wso2am","id":"4.5.0"}`,
		`{"status":"Pulling fs layer","id":"l1"}`,
		`{"status":"Pulling fs layer","id":"l2"}`,
		`{"status":"Downloading","id":"l1","progressDetail":{"current":1048576,"total":4194304}}`,
		`{"status":"Downloading","id":"l2","progressDetail":{"current":2097152,"total":2097152}}`,
		`{"status":"Pull complete","id":"l2"}`,
		`{"status":"Downloading","id":"l1","progressDetail":{"current":3145728,"total":4194304}}`,
		`{"status":"Pull complete","id":"l1"}`,
		`{"status":"Status: Downloaded newer image for mirror.example/wso2/wso2am:4.5.0"}`,
	}, "\n")
	var progress syncBuffer
	b := &Backend{cli: fakeEngine(t, ok), progress: &progress}
	if err := b.ensureImage(context.Background(), spec); err != nil {
		t.Fatalf("pull: %v", err)
	}
	out := progress.String()
	for _, want := range []string{"pulling image " + spec.Image + "\n", "layers done", "MB downloaded", "pulled image " + spec.Image + " in "} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}

	// A registry error arrives inside the stream with status 200.
	bad := `{"status":"Pulling from wso2/wso2am","id":"4.5.0"}` + "\n" +
		`{"errorDetail":{"message":"manifest for mirror.example/wso2/wso2am:4.5.0 not found: manifest unknown"},"error":"manifest unknown"}`
	b = &Backend{cli: fakeEngine(t, bad), progress: io.Discard}
	err := b.ensureImage(context.Background(), spec)
	want := "cannot pull image mirror.example/wso2/wso2am:4.5.0 (manifest for mirror.example/wso2/wso2am:4.5.0 not found: manifest unknown): " +
		"check network access to the registry or pass a mirror with --apim-image, or run against the simulator with TARGET=sim"
	if err == nil || err.Error() != want {
		t.Fatalf("pull error:\n got %v\nwant %s", err, want)
	}
}

func TestPullStateSummary(t *testing.T) {
	var p pullState
	if got := p.summary(); got != "0 of 0 layers done, 0 of 0 MB downloaded" {
		t.Errorf("empty: %q", got)
	}
}

func TestShortCause(t *testing.T) {
	got := shortCause(fmt.Errorf("Error response from daemon: a\nb"))
	if got != "a; b" {
		t.Errorf("shortCause = %q", got)
	}
	if long := shortCause(fmt.Errorf("%s", strings.Repeat("x", 300))); len([]rune(long)) != 201 {
		t.Errorf("long cause not cut: %d runes", len([]rune(long)))
	}
}
