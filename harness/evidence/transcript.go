package evidence

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxBody is how much of a body a transcript keeps; products' error pages can be large.
const maxBody = 4096

// Transcript is an http.RoundTripper that writes every exchange, redacted, to W: the first thing to read
// when a setup step or a spec fails.
type Transcript struct {
	Next     http.RoundTripper
	Redactor *Redactor

	mu sync.Mutex
	W  io.Writer
}

// RoundTrip records the request and the response around Next.
func (t *Transcript) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, maxBody))
			_ = rc.Close()
		}
	}
	start := time.Now()
	resp, err := t.Next.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Millisecond)

	var b strings.Builder
	fmt.Fprintf(&b, "--- %s %s %s\n", start.UTC().Format(time.RFC3339Nano), req.Method, req.URL.String())
	writeHeaders(&b, req.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&b, "\n%s\n", reqBody)
	}
	if err != nil {
		fmt.Fprintf(&b, "=== error after %s: %v\n\n", elapsed, err)
	} else {
		var respBody []byte
		respBody, resp.Body = peekBody(resp.Body)
		fmt.Fprintf(&b, "=== %s after %s\n", resp.Status, elapsed)
		writeHeaders(&b, resp.Header)
		if len(respBody) > 0 {
			fmt.Fprintf(&b, "\n%s\n", respBody)
		}
		b.WriteString("\n")
	}
	r := t.Redactor
	if r == nil {
		r = &Redactor{}
	}
	t.mu.Lock()
	_, _ = io.WriteString(t.W, r.Redact(b.String()))
	t.mu.Unlock()
	return resp, err
}

func writeHeaders(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

// peekBody reads up to maxBody bytes for the transcript and hands the caller a body that still yields
// everything.
func peekBody(body io.ReadCloser) ([]byte, io.ReadCloser) {
	if body == nil {
		return nil, body
	}
	head, _ := io.ReadAll(io.LimitReader(body, maxBody))
	return head, struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), body), body}
}
