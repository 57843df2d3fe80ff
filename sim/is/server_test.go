package is

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/home"
)

// TestServe: CONTRACT readiness — HTTPS on 9443+offset with the [keystore.tls]/primary certificate,
// Ready once listening, graceful stop on context cancel.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	if port <= 9443 {
		t.Skip("ephemeral port below 9443; offset would be negative")
	}
	h := newHome(t, "7.1.0", "")
	h.TOML["server"] = map[string]any{"hostname": "localhost", "offset": int64(port - 9443)}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, h, Options{Version: "7.1.0", Bind: "127.0.0.1", Ready: func() { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	// The default certificate is expired (§2), so the client skips verification and checks the leaf.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := c.Get("https://127.0.0.1:" + itoa(port) + "/oauth2/token/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS.PeerCertificates[0].Subject.CommonName != "localhost" {
		t.Errorf("readiness %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestStartupErrors: a configuration the product would not start with is an error (CONTRACT).
func TestStartupErrors(t *testing.T) {
	h := newHome(t, "7.1.0", "")
	if _, err := NewHandler(h, Options{Version: "7.9.0"}); err == nil || !strings.Contains(err.Error(), "unsupported IS version 7.9.0") {
		t.Errorf("unsupported version: %v", err)
	}
	bad := newHome(t, "7.1.0", "")
	bad.TOML["keystore"] = map[string]any{"primary": map[string]any{"file_name": "wso2carbon.p12", "type": "PKCS12", "password": "wrong"}}
	if _, err := NewHandler(bad, Options{Version: "7.1.0"}); err == nil {
		t.Error("wrong key store password must fail start-up")
	}
	missing := newHome(t, "7.0.0", "")
	if err := os.Remove(missing.Path(home.SecurityDir + "/wso2carbon.jks")); err != nil {
		t.Fatal(err)
	}
	if _, err := NewHandler(missing, Options{Version: "7.0.0"}); err == nil {
		t.Error("missing key store must fail start-up")
	}
}
