package evidence

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTranscriptNamesActorsNumbersEntriesAndSaysWhatItCut(t *testing.T) {
	big := strings.Repeat("x", MaxBody+123)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = io.WriteString(w, big)
			return
		}
		_, _ = io.WriteString(w, `{"client_secret":"s3cr3t-value"}`)
	}))
	defer srv.Close()
	var out bytes.Buffer
	tr := &Transcript{Next: http.DefaultTransport, W: &out}
	c := &http.Client{Transport: tr}
	get := func(actor, path string) []byte {
		req, _ := http.NewRequestWithContext(WithActor(context.Background(), actor), http.MethodGet, srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	get("setup publish-api", "/a")
	get("check issuer.agrees", "/b")
	if got := get("check issuer.agrees", "/big"); len(got) != len(big) {
		t.Fatalf("the caller got %d bytes of %d: the transcript must not eat the body", len(got), len(big))
	}
	s := out.String()
	for _, want := range []string{"--- #1 [setup publish-api] ", "--- #2 [check issuer.agrees] ", "--- #3 [check issuer.agrees] ",
		"[transcript: 123 more bytes of this body not shown]", `"client_secret":"*****"`} {
		if !strings.Contains(s, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if strings.Contains(s, "s3cr3t-value") {
		t.Error("the transcript leaks a secret")
	}
	if r := tr.Entries("check issuer.agrees"); r != (Range{2, 3}) || r.String() != "entries #2–#3 of http-transcript.log" {
		t.Errorf("range = %+v %q", r, r.String())
	}
	if r := tr.Entries("check nothing"); r.String() != "no HTTP exchange" {
		t.Errorf("empty range = %q", r.String())
	}
}
