package simimage

import (
	"context"
	"net"
	"net/netip"
	"time"

	"crypto/rand"
	"fmt"
	"github.com/moby/moby/client"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var tmpRoot string

func TestMain(m *testing.M) {
	// Ryuk would be pulled from Docker Hub, which this engine cannot reach; the tests remove what they make.
	os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	dir, err := os.MkdirTemp("", "simimage-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpRoot = dir
	if _, set := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !set && daemonIsLocal() {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// daemonIsLocal reports an engine that shares this machine's network namespace (one of our interfaces
// is on its bridge network). Inside a container (/.dockerenv) testcontainers otherwise takes the bridge's
// gateway as the host, and Docker 20.10 leaves that gateway out of the network's IPAM config, so it
// falls back to our default route's gateway, where the published ports are not.
func daemonIsLocal() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := dial(ctx)
	if err != nil {
		return false
	}
	defer cli.Close()
	nw, err := cli.NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{})
	if err != nil {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipnet.IP)
		if !ok {
			continue
		}
		for _, c := range nw.Network.IPAM.Config {
			if c.Subnet.Contains(ip.Unmap()) {
				return true
			}
		}
	}
	return false
}

// buildKmsim builds a static kmsim once per test process. A random suffix after the ELF (which the
// loader ignores) makes this run's content hashes, hence its tags, its own: the cleanup cannot remove
// an image a concurrent run of the same code is using.
var buildKmsim = sync.OnceValues(func() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	out := filepath.Join(tmpRoot, "kmsim")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/kmsim")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/kmsim: %v\n%s", err, b)
	}
	f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	_, err = f.WriteString("kmconform-simimage-test-" + rand.Text())
	return out, err
})

func kmsim(t *testing.T) string {
	t.Helper()
	p, err := buildKmsim()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
