package selftest

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmconform/kmconform/containers/docker"
	"github.com/kmconform/kmconform/harness/results"
)

// engineProxy stands between kmconform and the real Docker engine on a socket of its own; Stop makes the
// engine disappear for kmconform, and only for it.
type engineProxy struct {
	path string
	ln   net.Listener
	mu   sync.Mutex
	conn []net.Conn
}

func newEngineProxy(t *testing.T) *engineProxy {
	t.Helper()
	target := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		if !strings.HasPrefix(h, "unix://") {
			t.Skipf("DOCKER_HOST=%s: the engine proxy of this test only forwards to a unix socket", h)
		}
		target = strings.TrimPrefix(h, "unix://")
	}
	// A short path: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "kmcdock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	p := &engineProxy{path: filepath.Join(dir, "docker.sock")}
	if p.ln, err = net.Listen("unix", p.path); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := p.ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conn = append(p.conn, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.Stop)
	return p
}

// Stop closes the socket and every connection through it: to kmconform, the engine is gone.
func (p *engineProxy) Stop() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conn {
		_ = c.Close()
	}
	p.conn = nil
	_ = os.Remove(p.path)
}

// Docker disappearing mid-run: one sentence, the cleanup attempted, and what could not be removed listed
// with the 'kmconform clean' command.
func TestDockerDisappearingMidRun(t *testing.T) {
	requireDocker(t)
	proxy := newEngineProxy(t)
	id := runID(t)
	t.Cleanup(func() { expectNothingLeftAfterClean(t, id) })
	cmd, out, reports := startRun(t, "[revocation.jwt.gateway]", []string{"DOCKER_HOST=unix://" + proxy.path},
		"run", "--target", "sim-docker", "--is", "7.1.0", "--apim", "4.5.0", "--run-id", id,
		"--label-filter", "area:revocation", "--sim-fault", "apim-notify-ignores-revocation", "--interval", "revocation=60s/100ms")
	time.Sleep(300 * time.Millisecond)
	proxy.Stop()
	gone := time.Now()
	err := cmd.Wait()
	took := time.Since(gone)
	exit := 0
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	}
	output := out.String()
	if exit != 3 {
		t.Errorf("exit %d, want 3 (environment failure); output:\n%s", exit, output)
	}
	if took > 45*time.Second {
		t.Errorf("the run took %s after Docker went away", took.Round(time.Second))
	}
	lines := strings.Split(strings.TrimSpace(output), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{"the Docker engine stopped answering during revocation checks", "could not remove container kmconform-" + id,
		"run 'kmconform clean' once Docker answers again"} {
		if !strings.Contains(last, want) {
			t.Errorf("the last line lacks %q:\n%s", want, last)
		}
	}
	// What the run says it left is what is left.
	named := regexp.MustCompile(`container (kmconform-[A-Za-z0-9_.-]+)`).FindAllStringSubmatch(last, -1)
	if len(named) != 3 {
		t.Errorf("the run lists %d containers it could not remove, want its 3:\n%s", len(named), last)
	}
	if n := labelled(t, id+"-"+cellName); n != len(named)+1 {
		t.Errorf("%d containers and networks of the run are left, the run listed %d containers and a network", n, len(named))
	}
	c, err := results.Read(filepath.Join(reports, cellName))
	if err != nil {
		t.Fatalf("no results.json: %v", err)
	}
	if !strings.Contains(c.Teardown, "kmconform clean") {
		t.Errorf("results.json does not say what was left: %+v", c.Teardown)
	}
	t.Logf("verdict: %s", last)
}

// expectNothingLeftAfterClean runs 'kmconform clean' against the real engine, as the message tells the
// user, and checks that nothing of the run remains.
func expectNothingLeftAfterClean(t *testing.T, id string) {
	t.Helper()
	r := kmconform(t, "clean")
	if r.exit != 0 || !strings.Contains(r.output, "Docker containers: removed") {
		t.Errorf("clean: exit %d:\n%s", r.exit, r.output)
	}
	if n := labelled(t, id+"-"+cellName); n != 0 {
		t.Errorf("%d containers/networks of run %s are left after clean", n, id)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = docker.Clean(ctx, id)
	}
}
