package docker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kmconform/kmconform/containers"
)

// pullReportEvery is how often a running pull reports its progress (a variable for the tests).
var pullReportEvery = 15 * time.Second

// ensureImage pulls the spec's image unless it is local. The pull is ours rather than testcontainers': its
// pull discards the progress stream, errors reported inside the stream included, and retries with backoff
// for up to 15 minutes on errors it does not know to be permanent.
func (b *Backend) ensureImage(ctx context.Context, s containers.Spec) error {
	_, err := b.cli.ImageInspect(ctx, s.Image)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect image %s: %w", s.Image, err)
	}
	fmt.Fprintf(b.progress, "pulling image %s\n", s.Image)
	start := time.Now()
	if err := b.pull(ctx, s.Image); err != nil {
		return fmt.Errorf("cannot pull image %s (%s): check network access to the registry or %s, or run against the simulator with TARGET=sim",
			s.Image, shortCause(err), imageHint(s.Product))
	}
	fmt.Fprintf(b.progress, "pulled image %s in %s\n", s.Image, time.Since(start).Round(time.Second))
	return nil
}

func (b *Backend) pull(ctx context.Context, image string) error {
	var opts client.ImagePullOptions
	// Credentials from the user's docker config, for a private mirror.
	if _, auth, err := testcontainers.DockerImageAuth(ctx, image); err == nil {
		if enc, err := authconfig.Encode(auth); err == nil {
			opts.RegistryAuth = enc
		}
	}
	resp, err := b.cli.ImagePull(ctx, image, opts)
	if err != nil {
		return err
	}
	defer resp.Close()

	var st pullState
	done := make(chan struct{})
	defer close(done)
	every := pullReportEvery
	go func() {
		start := time.Now()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(b.progress, "pulling image %s: %s (%s)\n", image, st.summary(), time.Since(start).Round(time.Second))
			}
		}
	}()
	for m, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return err
		}
		if m.Error != nil {
			return m.Error
		}
		st.add(m)
	}
	return nil
}

// pullState sums the per-layer progress of a pull.
type pullState struct {
	mu      sync.Mutex
	current map[string]int64
	total   map[string]int64
	done    map[string]bool
}

func (p *pullState) add(m jsonstream.Message) {
	if m.ID == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.current, p.total, p.done = map[string]int64{}, map[string]int64{}, map[string]bool{}
	}
	switch {
	case m.Status == "Downloading" && m.Progress != nil:
		p.current[m.ID], p.total[m.ID] = m.Progress.Current, m.Progress.Total
	case m.Status == "Download complete":
		p.current[m.ID] = p.total[m.ID]
	case m.Status == "Pull complete" || m.Status == "Already exists":
		p.done[m.ID] = true
	default:
		if _, seen := p.total[m.ID]; !seen {
			p.total[m.ID] = 0 // a layer announced as "Pulling fs layer" or "Waiting"
		}
	}
}

func (p *pullState) summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var cur, tot int64
	for id, t := range p.total {
		cur, tot = cur+p.current[id], tot+t
	}
	layers := len(p.total)
	for id := range p.done {
		if _, ok := p.total[id]; !ok {
			layers++
		}
	}
	return fmt.Sprintf("%d of %d layers done, %d of %d MB downloaded", len(p.done), layers, cur>>20, tot>>20)
}

// shortCause is a pull error on one short line, without the client's boilerplate.
func shortCause(err error) string {
	s := oneLine(err.Error())
	s = strings.TrimPrefix(s, "Error response from daemon: ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// EnsureImages pulls every image that is not local yet, creating nothing else: the CLI calls it before a
// run so that an image that cannot be pulled is one sentence, not a failed setup step.
func (b *Backend) EnsureImages(ctx context.Context, specs []containers.Spec) error {
	for _, s := range specs {
		if err := b.ensureImage(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
