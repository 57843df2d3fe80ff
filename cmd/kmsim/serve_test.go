package main

import (
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStartDelayParses(t *testing.T) {
	for _, c := range []struct {
		spec, product string
		want          time.Duration
		bad           bool
	}{
		{"", "is", 0, false},
		{"4s", "apim", 4 * time.Second, false},
		{"is=4s,apim=8s", "is", 4 * time.Second, false},
		{"is=4s,apim=8s", "apim", 8 * time.Second, false},
		{"is=4s", "apim", 0, false},
		{"soon", "is", 0, true},
		{"-1s", "is", 0, true},
		{"gateway=1s", "is", 0, true},
		{"is=", "is", 0, true},
	} {
		got, err := startDelay(c.spec, c.product)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("startDelay(%q, %s) = %v, %v; want %v, error %v", c.spec, c.product, got, err, c.want, c.bad)
		}
	}
}

// The delay keeps the port closed while the simulated product "boots", then it serves.
func TestServeWaitsForItsStartDelay(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kmsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build kmsim: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	if out, err := exec.Command(bin, "init-home", "--product", "is", "--version", "7.1.0", "--dir", home).CombinedOutput(); err != nil {
		t.Fatalf("init-home: %v\n%s", err, out)
	}
	const ip = "127.0.0.231"
	var log bytes.Buffer
	cmd := exec.Command(bin, "serve", "--product", "is", "--version", "7.1.0", "--home", home, "--bind", ip, "--start-delay", "is=2s,apim=9s")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr := net.JoinHostPort(ip, "9443")
	time.Sleep(1200 * time.Millisecond) // well into the delay, long after kmsim itself started
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("IS accepts connections before its start delay of 2s has passed")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("IS never served after its start delay: %v\n%s", err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(log.String(), "kmsim start delay: serving after 2s") {
		t.Errorf("the log does not say the server waited:\n%s", log.String())
	}
}
