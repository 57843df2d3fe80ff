package evidence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// MaxBody is how much of one body a transcript keeps. It is generous (products' answers are small; an
// error page is the largest thing they send) and a cut says how much was dropped.
const MaxBody = 64 << 10

// maxRead bounds what the transcript reads of a response to count what it drops; the caller still gets
// every byte.
const maxRead = 16 << 20

type actorKey struct{}

// WithActor labels every HTTP exchange made with ctx: a setup step ("setup register-key-manager"), a
// fixture or a check ("check revocation.jwt.gateway"). The transcript writes the label on each entry, so
// that a failure can point at the exchanges it made.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf returns the label WithActor put on ctx ("" if none).
func ActorOf(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}

// Transcript is an http.RoundTripper that writes every exchange, redacted and numbered, to W: the first
// thing to read when a setup step or a check fails.
type Transcript struct {
	Next     http.RoundTripper
	Redactor *Redactor

	mu     sync.Mutex
	W      io.Writer
	seq    int
	ranges map[string]Range
}

// Range is the first and last entry number an actor made (0 when it made none).
type Range struct{ First, Last int }

func (r Range) String() string {
	switch {
	case r.First == 0:
		return "no HTTP exchange"
	case r.First == r.Last:
		return fmt.Sprintf("entry #%d of http-transcript.log", r.First)
	}
	return fmt.Sprintf("entries #%d–#%d of http-transcript.log", r.First, r.Last)
}

// Entries returns the range of entries an actor made so far.
func (t *Transcript) Entries(actor string) Range {
	if t == nil {
		return Range{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ranges[actor]
}

// RoundTrip records the request and the response around Next.
func (t *Transcript) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, maxRead))
			_ = rc.Close()
		}
	}
	start := time.Now()
	resp, err := t.Next.RoundTrip(req)
	elapsed := time.Since(start).Round(time.Millisecond)

	var b strings.Builder
	writeHeaders(&b, req.Header)
	writeBody(&b, reqBody)
	if err != nil {
		fmt.Fprintf(&b, "=== error after %s: %v\n\n", elapsed, err)
	} else {
		var respBody []byte
		respBody, resp.Body = readBody(resp.Body)
		fmt.Fprintf(&b, "=== %s after %s\n", resp.Status, elapsed)
		writeHeaders(&b, resp.Header)
		writeBody(&b, respBody)
		b.WriteString("\n")
	}
	r := t.Redactor
	if r == nil {
		r = &Redactor{}
	}
	actor := ActorOf(req.Context())
	t.mu.Lock()
	t.seq++
	n := t.seq
	if t.ranges == nil {
		t.ranges = map[string]Range{}
	}
	rg := t.ranges[actor]
	if rg.First == 0 {
		rg.First = n
	}
	rg.Last = n
	t.ranges[actor] = rg
	label := ""
	if actor != "" {
		label = " [" + actor + "]"
	}
	head := fmt.Sprintf("--- #%d%s %s %s %s\n", n, label, start.UTC().Format(time.RFC3339Nano), req.Method, req.URL.String())
	_, _ = io.WriteString(t.W, r.Redact(head+b.String()))
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

// writeBody writes at most MaxBody bytes and says how many it dropped.
func writeBody(b *strings.Builder, body []byte) {
	if len(body) == 0 {
		return
	}
	shown := body
	if len(shown) > MaxBody {
		shown = shown[:MaxBody]
	}
	fmt.Fprintf(b, "\n%s\n", shown)
	if dropped := len(body) - len(shown); dropped > 0 {
		fmt.Fprintf(b, "[transcript: %d more bytes of this body not shown]\n", dropped)
	}
}

// readBody reads the response (up to maxRead) so that the transcript can count it, and hands the caller a
// body that still yields everything.
func readBody(body io.ReadCloser) ([]byte, io.ReadCloser) {
	if body == nil {
		return nil, body
	}
	head, _ := io.ReadAll(io.LimitReader(body, maxRead))
	return head, struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), body), body}
}
