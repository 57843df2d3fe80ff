package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/kmconform/kmconform/containers"
)

// exitCheckEvery rate-limits the container inspection behind Exited, which the harness calls on every poll.
const exitCheckEvery = time.Second

type node struct {
	b     *Backend
	spec  containers.Spec
	name  string
	home  string
	owner Owner
	ctr   testcontainers.Container
	id    string
	cli   *client.Client

	mu      sync.Mutex
	started bool
	stopped bool // by Close: not an exit of its own
	checked time.Time
	exitErr error
	// engineErrs counts inspections in a row the engine did not answer.
	engineErrs int
}

// engineGoneAfter is how many inspections in a row (one a second at most) the engine may fail before the
// node counts as out of reach.
const engineGoneAfter = 3

func newNode(b *Backend, s containers.Spec, name string, ctr testcontainers.Container) *node {
	h, _ := home(s) // validated by Create
	return &node{b: b, spec: s, name: name, home: h, owner: b.owners[s.Product], ctr: ctr, id: ctr.GetContainerID(), cli: b.cli}
}

func (n *node) Spec() containers.Spec { return n.spec }
func (n *node) Home() string          { return n.home }

// path resolves rel inside the product home, refusing anything that leaves it.
func (n *node) path(rel string) (string, error) {
	c := path.Clean(rel)
	if path.IsAbs(rel) || c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%s: path %q is not a file inside the product home", n.spec.Alias, rel)
	}
	return path.Join(n.home, c), nil
}

// ReadFile works on created and on running containers alike (the archive API needs no running process).
func (n *node) ReadFile(ctx context.Context, rel string) ([]byte, error) {
	p, err := n.path(rel)
	if err != nil {
		return nil, err
	}
	data, err := n.readAbs(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", rel, n.spec.Alias, err)
	}
	return data, nil
}

func (n *node) readAbs(ctx context.Context, p string) ([]byte, error) {
	for range 8 { // follow a few symlinks, which the archive API hands back as links
		res, err := n.cli.CopyFromContainer(ctx, n.id, client.CopyFromContainerOptions{SourcePath: p})
		if err != nil {
			return nil, err
		}
		data, link, err := readTarFile(res.Content)
		_ = res.Content.Close()
		if err != nil || link == "" {
			return data, err
		}
		if !path.IsAbs(link) {
			link = path.Join(path.Dir(p), link)
		}
		p = link
	}
	return nil, fmt.Errorf("too many symbolic links")
}

// WriteFile replaces or creates the file with exactly mode, and any missing parent folders, owned by the
// product's user, so that the product can read and replace it.
func (n *node) WriteFile(ctx context.Context, rel string, data []byte, mode fs.FileMode) error {
	p, err := n.path(rel)
	if err != nil {
		return err
	}
	if err := n.writeAbs(ctx, p, data, mode); err != nil {
		return fmt.Errorf("write %s to %s: %w", rel, n.spec.Alias, err)
	}
	return nil
}

func (n *node) writeAbs(ctx context.Context, p string, data []byte, fileMode fs.FileMode) error {
	mode := int64(fileMode.Perm())
	st, err := n.cli.ContainerStatPath(ctx, n.id, client.ContainerStatPathOptions{Path: p})
	switch {
	case err == nil && st.Stat.Mode.IsDir():
		return fmt.Errorf("%s is a directory", p)
	case err != nil && !cerrdefs.IsNotFound(err):
		return err
	}
	// Extract at the deepest existing folder, so that the tar creates only the missing ones: a folder entry
	// for an existing folder would change its owner and mode.
	base, missing := path.Dir(p), []string(nil)
	for base != "/" {
		st, err := n.cli.ContainerStatPath(ctx, n.id, client.ContainerStatPathOptions{Path: base})
		if err == nil {
			if !st.Stat.Mode.IsDir() {
				return fmt.Errorf("%s is not a directory", base)
			}
			break
		}
		if !cerrdefs.IsNotFound(err) {
			return err
		}
		missing = append([]string{path.Base(base)}, missing...)
		base = path.Dir(base)
	}
	archive, err := ownedTar(missing, path.Base(p), data, mode, n.owner)
	if err != nil {
		return err
	}
	_, err = n.cli.CopyToContainer(ctx, n.id, client.CopyToContainerOptions{DestinationPath: base, Content: archive})
	return err
}

// Stat implements containers.Node from the header of the file's archive, as the engine reports it.
func (n *node) Stat(ctx context.Context, rel string) (containers.FileInfo, error) {
	p, err := n.path(rel)
	if err != nil {
		return containers.FileInfo{}, err
	}
	res, err := n.cli.CopyFromContainer(ctx, n.id, client.CopyFromContainerOptions{SourcePath: p})
	if err != nil {
		return containers.FileInfo{}, fmt.Errorf("stat %s in %s: %w", rel, n.spec.Alias, err)
	}
	defer res.Content.Close()
	hdr, err := tar.NewReader(res.Content).Next()
	if err != nil {
		return containers.FileInfo{}, fmt.Errorf("stat %s in %s: %w", rel, n.spec.Alias, err)
	}
	return containers.FileInfo{Owner: strconv.Itoa(hdr.Uid) + ":" + strconv.Itoa(hdr.Gid), Mode: fs.FileMode(hdr.Mode).Perm(), Size: hdr.Size}, nil
}

// Start starts the container; readiness is the harness's to poll.
func (n *node) Start(ctx context.Context) error {
	n.mu.Lock()
	if n.started {
		n.mu.Unlock()
		return fmt.Errorf("%s was already started: each product starts exactly once", n.spec.Alias)
	}
	n.started = true
	n.mu.Unlock()
	if err := n.ctr.Start(ctx); err != nil {
		return fmt.Errorf("start %s (%s): %w", n.name, n.spec.Image, err)
	}
	return nil
}

// Exited inspects the container at most once per exitCheckEvery; an exit, once seen, is kept.
func (n *node) Exited() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.exitErr != nil || !n.started || n.stopped || time.Since(n.checked) < exitCheckEvery {
		return n.exitErr
	}
	n.checked = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), n.b.request)
	defer cancel()
	res, err := n.cli.ContainerInspect(ctx, n.id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		n.exitErr = fmt.Errorf("%s (%s) is gone: its container %s was removed", n.spec.Alias, n.spec.Image, n.name)
		return n.exitErr
	}
	if err != nil || res.Container.State == nil {
		// An engine hiccup is not an exit; the next poll asks again. An engine that stays away is gone.
		if n.engineErrs++; n.engineErrs >= engineGoneAfter {
			cause := "no state"
			if err != nil {
				cause = oneLine(err.Error())
			}
			n.exitErr = fmt.Errorf("%w (%s): %s is out of reach", containers.ErrEngineGone, cause, n.name)
		}
		return n.exitErr
	}
	n.engineErrs = 0
	st := res.Container.State
	if st.Running || st.Restarting || st.Paused || st.Status == "created" {
		return nil
	}
	detail := ""
	if st.OOMKilled {
		detail += ", killed for lack of memory"
	}
	if st.Error != "" {
		detail += ", " + st.Error
	}
	n.exitErr = fmt.Errorf("%s (%s) stopped on its own: exit code %d, state %s%s (see its logs: docker logs %s)",
		n.spec.Alias, n.spec.Image, st.ExitCode, st.Status, detail, n.name)
	return n.exitErr
}

func (n *node) markStopped() {
	n.mu.Lock()
	n.stopped = true
	n.mu.Unlock()
}

// Addr asks for the mapped port on every call: Docker assigns a new one when a container restarts.
func (n *node) Addr(ctx context.Context, port int) (string, error) {
	n.mu.Lock()
	started := n.started
	n.mu.Unlock()
	if !started {
		return "", fmt.Errorf("%s is not started: Docker maps its ports at start", n.spec.Alias)
	}
	if !slices.Contains(containers.Ports[n.spec.Product], port) {
		return "", fmt.Errorf("%s does not expose port %d (it exposes %v)", n.spec.Alias, port, containers.Ports[n.spec.Product])
	}
	host, err := n.b.dialHost(ctx, n)
	if err != nil {
		return "", fmt.Errorf("docker host for %s: %w", n.spec.Alias, err)
	}
	mp, err := n.ctr.MappedPort(ctx, strconv.Itoa(port)+"/tcp")
	if err != nil {
		return "", fmt.Errorf("mapped port %d of %s: %w", port, n.spec.Alias, err)
	}
	return net.JoinHostPort(host, mp.Port()), nil
}

// Logs returns stdout and stderr together, in the order the engine recorded them.
func (n *node) Logs(ctx context.Context) ([]byte, error) {
	rc, err := n.cli.ContainerLogs(ctx, n.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return nil, fmt.Errorf("logs of %s: %w", n.spec.Alias, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return buf.Bytes(), fmt.Errorf("logs of %s: %w", n.spec.Alias, err)
	}
	return buf.Bytes(), nil
}
