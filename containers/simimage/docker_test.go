package simimage

import (
	"archive/tar"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/kmconform/kmconform/containers"
)

// needDocker returns an engine client, or skips on a machine without Docker.
func needDocker(t *testing.T) *testcontainers.DockerClient {
	t.Helper()
	cli, err := dial(t.Context())
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// ownImages computes the content hash Ensure will use and removes every image carrying it when the test
// ends, whether Ensure finished or not.
func ownImages(t *testing.T, cli *testcontainers.DockerClient, req Request) (hash, tag string) {
	t.Helper()
	l, err := layoutFor(req)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := readStatic(req.Kmsim)
	if err != nil {
		t.Fatal(err)
	}
	hash = contentHash(bin, l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := prune(ctx, cli, "kmconform.content="+hash); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return hash, l.tag(hash)
}

func TestEnsureIS(t *testing.T) {
	cli := needDocker(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	req := Request{Product: containers.IS, Version: "7.1.0", Kmsim: kmsim(t)}
	hash, want := ownImages(t, cli, req)

	// Three concurrent first calls: one build.
	before, start := builds.Load(), time.Now()
	var wg sync.WaitGroup
	tags, errs := make([]string, 3), make([]error, 3)
	for i := range tags {
		wg.Go(func() { tags[i], errs[i] = Ensure(ctx, req, io.Discard) })
	}
	wg.Wait()
	first := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if tags[0] != want || tags[1] != want || tags[2] != want {
		t.Fatalf("tags %v, want %s", tags, want)
	}
	if n := builds.Load() - before; n != 1 {
		t.Fatalf("three concurrent Ensure calls built %d images, want 1", n)
	}
	start = time.Now()
	again, err := Ensure(ctx, req, io.Discard)
	cached := time.Since(start)
	if err != nil || again != want {
		t.Fatalf("second Ensure = %q, %v; want %s", again, err, want)
	}
	if n := builds.Load() - before; n != 1 {
		t.Fatalf("a second Ensure rebuilt the image")
	}
	t.Logf("first build %v, cached Ensure %v", first.Round(time.Millisecond), cached.Round(time.Millisecond))

	home := "/home/wso2carbon/wso2is-7.1.0"
	checkConfig(t, cli, want, "802", []string{"/kmsim", "serve"}, []string{"9443/tcp"}, hash,
		"KMSIM_PRODUCT=is", "KMSIM_VERSION=7.1.0", "KMSIM_HOME="+home)

	ctr := start1(t, want, "9443/tcp", wait.ForHTTP("/oauth2/token/.well-known/openid-configuration").
		WithPort("9443/tcp").WithTLS(true).WithAllowInsecure(true).WithStartupTimeout(30*time.Second))
	base, err := ctr.PortEndpoint(ctx, "9443/tcp", "https")
	if err != nil {
		t.Fatal(err)
	}
	// The default certificate is expired by design; only this test skips verification.
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	body := get(t, insecure, base+"/oauth2/token/.well-known/openid-configuration")
	if !strings.Contains(body, `"issuer"`) {
		t.Errorf("discovery document has no issuer: %s", body)
	}

	// Every entry of the home is the image user's, including the log kmsim wrote at run time (its
	// group comes from the image's /etc/passwd).
	entries := archive(t, cli, ctr.GetContainerID(), home)
	for _, rel := range []string{"wso2is-7.1.0/repository/conf/deployment.toml", "wso2is-7.1.0/repository/logs/wso2carbon.log"} {
		if _, ok := entries[rel]; !ok {
			t.Errorf("%s is missing from the home", rel)
		}
	}
	for name, h := range entries {
		if h.Uid != 802 || h.Gid != 802 {
			t.Errorf("%s is owned by %d:%d, want 802:802", name, h.Uid, h.Gid)
		}
	}
	if h := archive(t, cli, ctr.GetContainerID(), "/tmp")["tmp"]; h == nil || h.Mode&0o7777 != 0o1777 {
		t.Errorf("/tmp header %+v, want mode 1777", h)
	}
}

func TestEnsureBackend(t *testing.T) {
	cli := needDocker(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	req := Request{Product: containers.Echo, Kmsim: kmsim(t)}
	hash, want := ownImages(t, cli, req)
	start := time.Now()
	tag, err := Ensure(ctx, req, testWriter{t})
	t.Logf("backend build %v", time.Since(start).Round(time.Millisecond))
	if err != nil || tag != want {
		t.Fatalf("Ensure = %q, %v; want %s", tag, err, want)
	}
	built := checkConfig(t, cli, tag, "10001", []string{"/kmsim", "backend", "--port", "8080"}, []string{"8080/tcp"}, hash)

	ctr := start1(t, tag, "8080/tcp", wait.ForHTTP("/").WithPort("8080/tcp").WithStartupTimeout(20*time.Second))
	base, err := ctr.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		t.Fatal(err)
	}
	var echo map[string]string
	if err := json.Unmarshal([]byte(get(t, http.DefaultClient, base+"/any/path")), &echo); err != nil || echo["service"] != "kmsim-backend" {
		t.Errorf("echo answer %v (%v), want service kmsim-backend", echo, err)
	}

	// The import fallback must make an image configured like the built one.
	l, _ := layoutFor(req)
	bin, _ := readStatic(req.Kmsim)
	fsTar, err := rootfs(l, bin, "")
	if err != nil {
		t.Fatal(err)
	}
	imported := "kmconform/kmsim-backend:import-" + hash[:12]
	istart := time.Now()
	if err := importImage(ctx, cli, fsTar, l, hash, imported, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Logf("import fallback %v", time.Since(istart).Round(time.Millisecond))
	got := checkConfig(t, cli, imported, "10001", built.Entrypoint, []string{"8080/tcp"}, hash)
	if !slices.Equal(got.Env, built.Env) || !maps.Equal(got.Labels, built.Labels) {
		t.Errorf("imported config %+v differs from built %+v", got, built)
	}

	// prune finds both images by label once the container is gone.
	if err := testcontainers.TerminateContainer(ctr); err != nil {
		t.Fatal(err)
	}
	if n, err := prune(ctx, cli, "kmconform.content="+hash); err != nil || n != 2 {
		t.Errorf("prune = %d, %v; want 2 images removed", n, err)
	}
}

type imageConfig struct {
	User, WorkingDir string
	Entrypoint, Env  []string
	Labels           map[string]string
}

// checkConfig checks what the harness relies on in an image's configuration and returns it.
func checkConfig(t *testing.T, cli *testcontainers.DockerClient, tag, user string, entry, ports []string, hash string, env ...string) imageConfig {
	t.Helper()
	res, err := cli.ImageInspect(t.Context(), tag)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Config
	if c.User != user || c.WorkingDir != "/home/wso2carbon" || !slices.Equal(c.Entrypoint, entry) {
		t.Errorf("%s: user %q, workdir %q, entrypoint %q", tag, c.User, c.WorkingDir, c.Entrypoint)
	}
	for _, e := range env {
		if !slices.Contains(c.Env, e) {
			t.Errorf("%s: env %q lacks %s", tag, c.Env, e)
		}
	}
	exposed := make([]string, 0, len(c.ExposedPorts))
	for p := range c.ExposedPorts {
		exposed = append(exposed, p)
	}
	slices.Sort(exposed)
	if !slices.Equal(exposed, ports) {
		t.Errorf("%s: exposes %v, want %v", tag, exposed, ports)
	}
	for k, v := range map[string]string{"kmconform": "true", "kmconform.simimage": "true", "kmconform.content": hash} {
		if c.Labels[k] != v {
			t.Errorf("%s: label %s=%q, want %q", tag, k, c.Labels[k], v)
		}
	}
	return imageConfig{User: c.User, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint, Env: c.Env, Labels: c.Labels}
}

// start1 starts a container from a local image and removes it when the test ends.
func start1(t *testing.T, image, port string, w wait.Strategy) testcontainers.Container {
	t.Helper()
	ctr, err := testcontainers.GenericContainer(t.Context(), testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{Image: image, ExposedPorts: []string{port}, WaitingFor: w},
		Started:          true,
	})
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		if ctr != nil {
			if logs, lerr := ctr.Logs(context.Background()); lerr == nil {
				b, _ := io.ReadAll(logs)
				t.Logf("container log:\n%s", b)
			}
		}
		t.Fatalf("start %s: %v", image, err)
	}
	return ctr
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// archive returns the tar headers the engine's archive API gives for path in a container, by name.
func archive(t *testing.T, cli *testcontainers.DockerClient, id, path string) map[string]*tar.Header {
	t.Helper()
	res, err := cli.CopyFromContainer(t.Context(), id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Content.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(h.Name, "/")] = h
	}
}

// testWriter shows build progress in the test log, with its timing.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s %s", time.Now().Format("15:04:05.000"), strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
