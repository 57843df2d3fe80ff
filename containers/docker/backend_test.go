package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/kmconform/kmconform/containers"
)

func newBackend(t *testing.T, runID string) *Backend {
	t.Helper()
	var progress bytes.Buffer
	b, err := New(context.Background(), Options{RunID: runID, Progress: &progress})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Whatever the test does, nothing may outlive it.
	t.Cleanup(func() {
		if err := b.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		t.Logf("progress:\n%s", progress.String())
	})
	return b
}

func testRunID() string { return "test" + randomID() }

// leftovers counts the containers and networks still labelled with runID.
func leftovers(t *testing.T, cli *client.Client, runID string) (ctrs, nets int) {
	t.Helper()
	f := make(client.Filters).Add("label", LabelManaged+"=true", LabelRun+"="+runID)
	cl, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	nl, err := cli.NetworkList(context.Background(), client.NetworkListOptions{Filters: f})
	if err != nil {
		t.Fatalf("list networks: %v", err)
	}
	return len(cl.Items), len(nl.Items)
}

func isSpec(alias string) containers.Spec {
	return containers.Spec{Product: containers.IS, Version: testVersion, Alias: alias, Image: testImage}
}

// call sends one request to the testserver behind node's port and returns status and body.
func call(t *testing.T, n containers.Node, port int, method, path string, body string) (int, string) {
	t.Helper()
	addr, err := n.Addr(context.Background(), port)
	if err != nil {
		t.Fatalf("Addr(%d): %v", port, err)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitServing(t *testing.T, n containers.Node, port int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		addr, err := n.Addr(context.Background(), port)
		if err == nil {
			var resp *http.Response
			if resp, err = (&http.Client{Timeout: time.Second}).Get("http://" + addr + "/uid"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
		}
		if exit := n.Exited(); exit != nil {
			t.Fatalf("%s exited while waiting: %v", n.Spec().Alias, exit)
		}
		if time.Now().After(deadline) {
			logs, _ := n.Logs(context.Background())
			t.Fatalf("%s does not serve on %d after 20s (last error %v); logs:\n%s", n.Spec().Alias, port, err, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestNodeLifecycle(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	cli := dockerClient(t)
	runID := testRunID()
	b := newBackend(t, runID)
	start := time.Now()
	nodes, err := b.Create(ctx, []containers.Spec{
		isSpec(containers.ISAlias),
		{Product: containers.Echo, Alias: containers.BackendAlias, Image: testImage},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Logf("create: %s", time.Since(start).Round(time.Millisecond))
	is, backend := nodes[0], nodes[1]
	if is.Home() != testHome || backend.Home() != "/" {
		t.Fatalf("homes %q, %q", is.Home(), backend.Home())
	}
	if c, n := leftovers(t, cli, runID); c != 2 || n != 1 {
		t.Fatalf("after Create: %d containers, %d networks labelled with the run; want 2 and 1", c, n)
	}

	// Created, not started: files in and out, no ports, no exit.
	got, err := is.ReadFile(ctx, bakedConf)
	if err != nil || string(got) != bakedContent {
		t.Fatalf("ReadFile of the baked file before start = %q, %v", got, err)
	}
	if _, err := is.ReadFile(ctx, "repository/conf/missing.toml"); err == nil {
		t.Fatal("ReadFile of a missing file succeeded")
	}
	if _, err := is.Addr(ctx, 9443); err == nil {
		t.Fatal("Addr before Start succeeded")
	}
	if err := is.Exited(); err != nil {
		t.Fatalf("Exited before Start = %v", err)
	}
	written := "[server]\nhostname = \"written\"\n"
	newFile := "repository/deployment/new/dir/notes.txt"
	for rel, data := range map[string]string{bakedConf: written, newFile: "created\n"} {
		if err := is.WriteFile(ctx, rel, []byte(data), 0o644); err != nil {
			t.Fatalf("WriteFile %s: %v", rel, err)
		}
		if got, err := is.ReadFile(ctx, rel); err != nil || string(got) != data {
			t.Fatalf("ReadFile %s after WriteFile = %q, %v", rel, got, err)
		}
	}

	start = time.Now()
	for _, n := range nodes {
		if err := n.Start(ctx); err != nil {
			t.Fatalf("Start %s: %v", n.Spec().Alias, err)
		}
	}
	if err := is.Start(ctx); err == nil {
		t.Fatal("a second Start succeeded")
	}
	waitServing(t, is, 9443)
	waitServing(t, backend, 8080)
	t.Logf("start until serving: %s", time.Since(start).Round(time.Millisecond))

	// The server runs as 802 and can replace what WriteFile wrote, and create files in the folders it made,
	// but not replace a root-owned file of the image (which shows the first two prove ownership).
	if code, body := call(t, is, 9443, "GET", "/uid", ""); body != "802:802" {
		t.Fatalf("uid = %d %q, want 802:802", code, body)
	}
	if code, body := call(t, is, 9443, "GET", "/file?path="+url.QueryEscape(testHome+"/"+bakedConf), ""); code != 200 || body != written {
		t.Fatalf("server reads the written file: %d %q", code, body)
	}
	for _, rel := range []string{bakedConf, "repository/deployment/new/dir/by-server.txt"} {
		if code, body := call(t, is, 9443, "PUT", "/file?path="+url.QueryEscape(testHome+"/"+rel), "by server\n"); code != http.StatusNoContent {
			t.Fatalf("server (uid 802) cannot write %s: %d %s", rel, code, body)
		}
		if got, err := is.ReadFile(ctx, rel); err != nil || string(got) != "by server\n" {
			t.Fatalf("ReadFile %s from the running container = %q, %v", rel, got, err)
		}
	}
	if code, _ := call(t, is, 9443, "PUT", "/file?path="+url.QueryEscape(testHome+"/"+bakedLocked), "x"); code != http.StatusForbidden {
		t.Fatalf("server replaced a root-owned file (status %d): it does not run as 802, so the ownership checks prove nothing", code)
	}
	// WriteFile must not have taken over the existing (root-owned) folders on the way.
	if code, _ := call(t, is, 9443, "PUT", "/file?path="+url.QueryEscape(testHome+"/repository/conf/by-server.txt"), "x"); code != http.StatusForbidden {
		t.Fatalf("server created a file in the image's root-owned repository/conf (status %d): WriteFile changed its owner", code)
	}

	// Aliases resolve on the cell's network, both ways.
	if code, body := call(t, is, 9443, "GET", "/fetch?url="+url.QueryEscape("http://backend:8080/uid"), ""); code != 200 || body != "802:802" {
		t.Fatalf("wso2is -> http://backend:8080: %d %q", code, body)
	}
	if code, body := call(t, backend, 8080, "GET", "/fetch?url="+url.QueryEscape("http://wso2is:9443/uid"), ""); code != 200 || body != "802:802" {
		t.Fatalf("backend -> http://wso2is:9443: %d %q", code, body)
	}

	logs, err := is.Logs(ctx)
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	for _, want := range []string{"testserver listening on 9443 and 8080 as uid 802\n", "testserver stderr line\n"} {
		if !bytes.Contains(logs, []byte(want)) {
			t.Fatalf("logs lack %q (stream headers not removed?):\n%q", want, logs)
		}
	}

	// An exit of its own shows in Exited with its code; the other node keeps running.
	if err := backend.Exited(); err != nil {
		t.Fatalf("Exited while running = %v", err)
	}
	call(t, backend, 8080, "POST", "/exit?code=3", "")
	deadline := time.Now().Add(10 * time.Second)
	for backend.Exited() == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := backend.Exited(); err == nil || !strings.Contains(err.Error(), "exit code 3") {
		t.Fatalf("Exited after exit(3) = %v", err)
	}
	if err := is.Exited(); err != nil {
		t.Fatalf("wso2is Exited = %v", err)
	}

	// Close with a cancelled context still removes everything, and a second Close is harmless.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	start = time.Now()
	if err := b.Close(cctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("close: %s", time.Since(start).Round(time.Millisecond))
	if c, n := leftovers(t, cli, runID); c != 0 || n != 0 {
		t.Fatalf("after Close: %d containers, %d networks labelled with the run", c, n)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := is.Exited(); err != nil {
		t.Fatalf("Exited after Close = %v: a node we stopped did not stop on its own", err)
	}
}

// TestCleanKilledRun: a run that never reached Close leaves containers and a network; Clean(runID)
// removes them and nothing of another run.
func TestCleanKilledRun(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	cli := dockerClient(t)
	killed, other := newBackend(t, testRunID()), newBackend(t, testRunID())
	for _, b := range []*Backend{killed, other} {
		if _, err := b.Create(ctx, []containers.Spec{isSpec(containers.ISAlias)}); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	start := time.Now()
	removed, err := Clean(ctx, killed.RunID())
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	t.Logf("clean: %s", time.Since(start).Round(time.Millisecond))
	if len(removed.Containers) != 1 || len(removed.Networks) != 1 {
		t.Fatalf("Clean removed %+v, want a container and a network", removed)
	}
	if c, n := leftovers(t, cli, killed.RunID()); c != 0 || n != 0 {
		t.Fatalf("after Clean: %d containers, %d networks of the killed run", c, n)
	}
	if c, n := leftovers(t, cli, other.RunID()); c != 1 || n != 1 {
		t.Fatalf("Clean touched another run: it has %d containers, %d networks, want 1 and 1", c, n)
	}
}

func TestCreatePullError(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	cli := dockerClient(t)
	b := newBackend(t, testRunID())
	const img = "kmconform.invalid/none:0"
	start := time.Now()
	_, err := b.Create(ctx, []containers.Spec{{Product: containers.IS, Version: testVersion, Alias: containers.ISAlias, Image: img}})
	t.Logf("failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if err == nil {
		t.Fatal("Create with an image that cannot exist succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"cannot pull image " + img + " (", "--is-image", "TARGET=sim"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	if c, n := leftovers(t, cli, b.RunID()); c != 0 || n != 0 {
		t.Errorf("a failed pull left %d containers, %d networks", c, n)
	}
}

// TestAvailableWithoutEngine runs Available, New and Clean in a child process whose testcontainers
// provider cannot be set up (an unregistered one): a missing DOCKER_HOST would not do, because discovery
// falls back to /var/run/docker.sock.
func TestAvailableWithoutEngine(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "TESTCONTAINERS_PROVIDER=kmconform-none")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	for _, k := range []string{"available", "new", "clean"} {
		msg := got[k]
		if !strings.HasPrefix(msg, "no Docker engine answers (") ||
			!strings.HasSuffix(msg, "): start Docker, or run against the simulator with TARGET=sim") ||
			strings.Contains(msg, "\n") || got[k+"-is"] != "true" {
			t.Errorf("%s: %q (errors.Is ErrUnavailable: %s)", k, msg, got[k+"-is"])
		}
	}
}

// Without a run id, Clean removes only what a run whose creating process is gone left, and leaves a live
// run's and an unlabelled container alone.
func TestCleanLeavesLiveRuns(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	cli := dockerClient(t)
	live := newBackend(t, testRunID())
	if _, err := live.Create(ctx, []containers.Spec{isSpec(containers.ISAlias)}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	// A process that has ended is a run whose kmconform is gone.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := containers.Self()
	dead.PID, dead.Start = gone.Process.Pid, 1
	deadRun, oldRun := testRunID(), testRunID()
	for run, labels := range map[string]map[string]string{
		deadRun: {LabelManaged: "true", LabelRun: deadRun, LabelOwner: dead.String()},
		oldRun:  {LabelManaged: "true", LabelRun: oldRun}, // no owner: an older kmconform's
	} {
		if _, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{Image: testImage, Labels: labels}}); err != nil {
			t.Fatalf("create %s: %v", run, err)
		}
	}
	t.Cleanup(func() { _, _ = Clean(context.Background(), oldRun) })
	removed, err := Clean(ctx, "")
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	if c, _ := leftovers(t, cli, deadRun); c != 0 {
		t.Errorf("Clean left the container of a run whose owner is gone: %+v", removed)
	}
	if c, n := leftovers(t, cli, live.RunID()); c != 1 || n != 1 {
		t.Errorf("Clean touched a live run: it has %d containers, %d networks, want 1 and 1", c, n)
	}
	if c, _ := leftovers(t, cli, oldRun); c != 1 {
		t.Errorf("Clean removed a container with no owner label")
	}
	if !slices.ContainsFunc(removed.Live, func(s string) bool { return strings.Contains(s, live.RunID()) }) {
		t.Errorf("Clean does not report the live run it left alone: %+v", removed)
	}
}
