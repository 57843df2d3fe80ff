package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// The test image: FROM scratch, the testserver binary, a product home with files baked in as root, run as
// IS's uid 802 like wso2/wso2is.
const (
	testVersion  = "7.1.0"
	testHome     = "/home/wso2carbon/wso2is-" + testVersion
	bakedConf    = "repository/conf/deployment.toml"
	bakedContent = "[server]\nhostname = \"baked\"\n"
	bakedLocked  = "repository/conf/locked.txt" // root-owned 0644: the server must not be able to replace it
	helperEnv    = "KMCONFORM_DOCKER_TEST_HELPER"
)

const dockerfile = `FROM scratch
COPY testserver /testserver
COPY home/ ` + testHome + `/
USER 802:802
ENTRYPOINT ["/testserver"]
`

var (
	testImage  string // tag of the image built for this run
	skipReason string // why Docker tests skip, when no engine answers
)

func TestMain(m *testing.M) {
	_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true") // Ryuk's image cannot be pulled here
	if os.Getenv(helperEnv) != "" {
		runHelper()
		return
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	if err := Available(ctx); err != nil {
		skipReason = err.Error()
		return m.Run()
	}
	start := time.Now()
	img, remove, err := buildTestImage(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build the test image:", err)
		return 1
	}
	defer remove()
	fmt.Fprintf(os.Stderr, "built %s in %s\n", img, time.Since(start).Round(time.Millisecond))
	testImage = img
	return m.Run()
}

// runHelper is the child of TestAvailableWithoutEngine: testcontainers caches Docker discovery per
// process, so an engine that does not answer can only be seen in a fresh one.
func runHelper() {
	ctx := context.Background()
	errs := map[string]error{"available": Available(ctx)}
	_, errs["new"] = New(ctx, Options{RunID: "x"})
	_, errs["clean"] = Clean(ctx, "x")
	out := map[string]string{}
	for k, err := range errs {
		if err != nil {
			out[k] = err.Error()
			out[k+"-is"] = fmt.Sprint(errors.Is(err, ErrUnavailable))
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

func needDocker(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip("no Docker engine: " + skipReason)
	}
}

func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := testcontainers.NewDockerClientWithOpts(context.Background())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli.Client
}

// buildTestImage compiles testdata/testserver statically and builds the image through the Docker API.
func buildTestImage(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "kmconform-docker-test-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "testserver")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/testserver")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("go build testserver: %v: %s", err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return "", nil, err
	}
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(dockerfile)},
		{"testserver", 0o755, binary},
		{"home/" + bakedConf, 0o644, []byte(bakedContent)},
		{"home/" + bakedLocked, 0o644, []byte("locked\n")},
	}
	h := sha256.New()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		fmt.Fprintf(h, "%s %d %d\n", f.name, f.mode, len(f.data))
		h.Write(f.data)
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return "", nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return "", nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, err
	}
	tag := "kmconform-docker-test:" + hex.EncodeToString(h.Sum(nil))[:16]

	tc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return "", nil, err
	}
	cli := tc.Client
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{"kmconform.test": "true"}})
	if err != nil {
		return "", nil, fmt.Errorf("image build: %w", err)
	}
	defer res.Body.Close()
	var log bytes.Buffer
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", nil, fmt.Errorf("image build output: %w", err)
		}
		if m.Error != nil {
			return "", nil, fmt.Errorf("image build: %s\n%s", m.Error.Message, log.String())
		}
		log.WriteString(m.Stream)
	}
	remove := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
			fmt.Fprintln(os.Stderr, "remove the test image:", err)
		}
		_ = cli.Close()
	}
	return tag, remove, nil
}
