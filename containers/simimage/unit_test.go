package simimage

import (
	"debug/elf"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/containers"
)

func TestLayout(t *testing.T) {
	l, err := layoutFor(Request{Product: containers.APIM, Version: "4.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	df := l.dockerfile()
	for _, want := range []string{
		"FROM scratch\nADD rootfs.tar /\n", "USER 10001\n", "WORKDIR /home/wso2carbon\n",
		"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin KMSIM_PRODUCT=apim KMSIM_VERSION=4.4.0 KMSIM_HOME=/home/wso2carbon/wso2am-4.4.0\n",
		"EXPOSE 9443 9763 8243 8280\n", `ENTRYPOINT ["/kmsim","serve"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	h := contentHash([]byte("bin"), l)
	if tag := l.tag(h); !regexp.MustCompile(`^kmconform/kmsim-apim:4\.4\.0-[0-9a-f]{12}$`).MatchString(tag) {
		t.Errorf("tag %q", tag)
	}
	l2, _ := layoutFor(Request{Product: containers.APIM, Version: "4.5.0"})
	if contentHash([]byte("bin"), l2) == h || contentHash([]byte("bin2"), l) == h {
		t.Error("the content hash ignores the version or the binary")
	}
	b, err := layoutFor(Request{Product: containers.Echo, Version: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if tag := b.tag(h); !strings.HasPrefix(tag, "kmconform/kmsim-backend:latest-") || strings.Contains(b.dockerfile(), "KMSIM_") {
		t.Errorf("backend tag %q, Dockerfile:\n%s", tag, b.dockerfile())
	}
	if _, err := layoutFor(Request{Product: "tomcat"}); err == nil {
		t.Error("an unknown product was accepted")
	}
	if _, err := layoutFor(Request{Product: containers.IS, Version: "7.1.0 && rm"}); err == nil {
		t.Error("a version unusable in a tag was accepted")
	}
}

func TestRefusesDynamicBinary(t *testing.T) {
	var dynamic string
	for _, p := range []string{"/bin/true", "/usr/bin/true", "/bin/sh"} {
		if hasInterp(p) {
			dynamic = p
			break
		}
	}
	if dynamic == "" {
		t.Skip("no dynamically linked program found on this host")
	}
	_, err := Ensure(t.Context(), Request{Product: containers.IS, Version: "7.1.0", Kmsim: dynamic}, nil)
	if err == nil || !strings.Contains(err.Error(), "dynamically linked") || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Fatalf("Ensure(%s) = %v, want a refusal naming dynamic linking and CGO_ENABLED=0", dynamic, err)
	}
	text := filepath.Join(t.TempDir(), "kmsim")
	if err := os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := readStatic(text); err == nil || !strings.Contains(err.Error(), "not a Linux executable") {
		t.Fatalf("readStatic(script) = %v, want a refusal", err)
	}
	if _, err := readStatic(kmsim(t)); err != nil {
		t.Fatalf("the static kmsim was refused: %v", err)
	}
}

// hasInterp is an independent look at the ELF, so the test does not trust the code it tests.
func hasInterp(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}
