// Package process is the Backend that runs each product as a local kmsim process: a product home in a
// temporary folder (written by "kmsim init-home", the process-world counterpart of a created container) and
// a "kmsim serve" bound to its own 127.0.0.x address, so that every product listens on its real ports.
// The aliases (wso2is, wso2am, backend) are handed to every process with --hosts.
package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/containers"
)

// Options configure the backend.
type Options struct {
	// Kmsim is the path of the kmsim binary.
	Kmsim string
	// WorkDir holds the homes and console logs; a temporary folder when empty.
	WorkDir string
	// KeepWorkDir leaves the folder in place after Close (for debugging).
	KeepWorkDir bool
	// Detach lets the processes outlive kmconform (kmconform up); Stop ends them later.
	Detach bool
	// StopTimeout is how long a node has to exit after SIGTERM before it is killed (default 10 s).
	StopTimeout time.Duration
}

// Backend runs nodes as processes.
type Backend struct {
	opt     Options
	workDir string
	ownDir  bool

	mu     sync.Mutex
	nodes  []*node
	closed bool
	// locks hold the node addresses against other runs until Close.
	locks []*os.File
}

// New checks the kmsim binary and prepares the work folder.
func New(opt Options) (*Backend, error) {
	if opt.Kmsim == "" {
		return nil, errors.New("the process backend needs the kmsim binary: build it with 'make build' or pass --kmsim")
	}
	if st, err := os.Stat(opt.Kmsim); err != nil || st.IsDir() {
		return nil, fmt.Errorf("kmsim binary %s not found: build it with 'make build' or pass --kmsim", opt.Kmsim)
	}
	if opt.StopTimeout <= 0 {
		opt.StopTimeout = 10 * time.Second
	}
	b := &Backend{opt: opt, workDir: opt.WorkDir}
	if b.workDir == "" {
		dir, err := os.MkdirTemp("", WorkDirPrefix)
		if err != nil {
			return nil, fmt.Errorf("create work folder: %w", err)
		}
		b.workDir, b.ownDir = dir, true
		// The homes will hold the run's private keys: if this process dies without Close, 'kmconform clean'
		// finds the folder by this marker and removes it once its owner is gone.
		if err := writeMarker(dir, marker{Owner: containers.Self(), Detach: opt.Detach}); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	return b, nil
}

// Name implements containers.Backend.
func (b *Backend) Name() string { return "process" }

// Create writes each product's default home and assigns each node its loopback address.
func (b *Backend) Create(ctx context.Context, specs []containers.Spec) ([]containers.Node, error) {
	ips, err := b.pickAddresses(specs)
	if err != nil {
		return nil, err
	}
	hosts := make([]string, len(specs))
	for i, s := range specs {
		hosts[i] = s.Alias + "=" + ips[i]
	}
	var out []containers.Node
	for i, s := range specs {
		n := &node{spec: s, ip: ips[i], dir: filepath.Join(b.workDir, s.Alias), kmsim: b.opt.Kmsim,
			hosts: strings.Join(hosts, ","), detach: b.opt.Detach, stopTimeout: b.opt.StopTimeout}
		if err := os.MkdirAll(n.dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s folder: %w", s.Alias, err)
		}
		if s.Product != containers.Echo {
			cmd := exec.CommandContext(ctx, b.opt.Kmsim, "init-home", "--product", string(s.Product),
				"--version", s.Version, "--dir", n.home())
			if outp, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("write the default %s %s home: %v: %s", s.Product, s.Version, err, bytes.TrimSpace(outp))
			}
		}
		b.mu.Lock()
		b.nodes = append(b.nodes, n)
		b.mu.Unlock()
		out = append(out, n)
	}
	return out, nil
}

// Close stops every process (SIGTERM, then SIGKILL after the process-stop interval) and removes the work
// folder unless asked to keep it.
func (b *Backend) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	nodes := b.nodes
	b.mu.Unlock()
	var errs []error
	for _, n := range nodes {
		if err := n.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	b.mu.Lock()
	for _, l := range b.locks {
		_ = l.Close()
	}
	b.locks = nil
	b.mu.Unlock()
	if b.ownDir && !b.opt.KeepWorkDir {
		if err := os.RemoveAll(b.workDir); err != nil {
			errs = append(errs, fmt.Errorf("remove work folder: %w", err))
		}
	}
	return errors.Join(errs...)
}

// State is what Stop needs to end a detached run from another kmconform process.
type State struct {
	WorkDir string         `json:"workDir"`
	PIDs    map[string]int `json:"pids"`
}

// Owns reports whether pid is a running kmsim working in this run's work folder (every node runs in its
// own folder under it).
func (st State) Owns(pid int) bool {
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	cmdline, err := os.ReadFile(filepath.Join(proc, "cmdline"))
	if err != nil || st.WorkDir == "" || !bytes.Contains(cmdline, []byte("kmsim")) {
		return false
	}
	cwd, err := os.Readlink(filepath.Join(proc, "cwd"))
	if err != nil {
		return false
	}
	dir := filepath.Clean(st.WorkDir)
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		dir = resolved // the kernel reports the cwd with symlinks resolved
	}
	return strings.HasPrefix(cwd, dir+string(filepath.Separator))
}

// Running reports whether any node of the run is still running.
func (st State) Running() bool {
	for _, pid := range st.PIDs {
		if st.Owns(pid) {
			return true
		}
	}
	return false
}

// Handle implements containers.Backend: the work folder and the pid of every started node.
func (b *Backend) Handle() containers.Handle {
	st := b.State()
	return containers.Handle{Backend: b.Name(), WorkDir: st.WorkDir, PIDs: st.PIDs}
}

// State records the work folder and the process of every started node.
func (b *Backend) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := State{WorkDir: b.workDir, PIDs: map[string]int{}}
	for _, n := range b.nodes {
		n.mu.Lock()
		if n.cmd != nil && n.cmd.Process != nil {
			st.PIDs[n.spec.Alias] = n.cmd.Process.Pid
		}
		n.mu.Unlock()
	}
	return st
}

// Stop ends the processes of a detached run (SIGTERM, then SIGKILL) and removes its work folder. A pid is
// signalled only while it is still a kmsim of this run: after a reboot the number may belong to anything.
func Stop(st State, timeout time.Duration) error {
	var errs []error
	for alias, pid := range st.PIDs {
		if !st.Owns(pid) {
			continue
		}
		p, err := os.FindProcess(pid)
		if err != nil {
			continue
		}
		if p.Signal(syscall.SIGTERM) != nil {
			continue // already gone
		}
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) && p.Signal(syscall.Signal(0)) == nil {
			time.Sleep(50 * time.Millisecond)
		}
		if p.Signal(syscall.Signal(0)) == nil {
			_ = p.Kill()
			errs = append(errs, fmt.Errorf("%s (pid %d) did not stop after SIGTERM and was killed", alias, pid))
		}
	}
	if st.WorkDir != "" {
		if err := os.RemoveAll(st.WorkDir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", st.WorkDir, err))
		}
	}
	return errors.Join(errs...)
}

// pickAddresses gives every node its own 127.0.0.x on which all of its ports are free. The search starts
// at an address derived from the process id, and each address taken is locked (a file lock held until
// Close), so that runs started at the same time on one machine (a parallel matrix) never pick the same one
// between checking its ports and binding them.
func (b *Backend) pickAddresses(specs []containers.Spec) ([]string, error) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strconv.Itoa(os.Getpid())))
	start := 2 + int(h.Sum32()%200)
	var out []string
	for _, s := range specs {
		found := ""
		for i := 0; i < 250 && found == ""; i++ {
			ip := "127.0.0." + strconv.Itoa(2+(start-2+i)%250)
			lock, ok := lockAddress(ip)
			if !ok {
				continue
			}
			if portsFree(ip, containers.Ports[s.Product]) {
				found = ip
				if lock != nil {
					b.mu.Lock()
					b.locks = append(b.locks, lock)
					b.mu.Unlock()
				}
			} else if lock != nil {
				_ = lock.Close()
			}
		}
		if found == "" {
			return nil, fmt.Errorf("no free 127.0.0.x address for %s: every candidate has one of ports %v in use", s.Alias, containers.Ports[s.Product])
		}
		out = append(out, found)
	}
	return out, nil
}

func portsFree(ip string, ports []int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err != nil {
			return false
		}
		_ = l.Close()
	}
	return true
}

type node struct {
	spec   containers.Spec
	ip     string
	dir    string
	kmsim  string
	hosts  string
	detach bool
	// stopTimeout bounds the wait for an exit after SIGTERM.
	stopTimeout time.Duration

	mu      sync.Mutex
	cmd     *exec.Cmd
	console *os.File
	done    chan struct{}
	exitErr error
	stopped bool
}

func (n *node) Spec() containers.Spec { return n.spec }
func (n *node) Home() string          { return n.home() }
func (n *node) home() string          { return filepath.Join(n.dir, "home") }
func (n *node) consolePath() string   { return filepath.Join(n.dir, "console.log") }

func (n *node) path(rel string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("%s: path %q is outside the product home", n.spec.Alias, rel)
	}
	return filepath.Join(n.home(), clean), nil
}

func (n *node) ReadFile(_ context.Context, rel string) ([]byte, error) {
	p, err := n.path(rel)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", rel, n.spec.Alias, err)
	}
	return b, nil
}

// WriteFile writes data with exactly mode: a replaced file gets mode too, so that a key store holding the
// run's private key is never left readable by others.
func (n *node) WriteFile(_ context.Context, rel string, data []byte, mode fs.FileMode) error {
	p, err := n.path(rel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s to %s: %w", rel, n.spec.Alias, err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return fmt.Errorf("write %s to %s: %w", rel, n.spec.Alias, err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("write %s to %s: %w", rel, n.spec.Alias, err)
	}
	return nil
}

// Stat implements containers.Node from the file system.
func (n *node) Stat(_ context.Context, rel string) (containers.FileInfo, error) {
	p, err := n.path(rel)
	if err != nil {
		return containers.FileInfo{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return containers.FileInfo{}, fmt.Errorf("stat %s in %s: %w", rel, n.spec.Alias, err)
	}
	fi := containers.FileInfo{Mode: st.Mode().Perm(), Size: st.Size()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		fi.Owner = strconv.FormatUint(uint64(sys.Uid), 10) + ":" + strconv.FormatUint(uint64(sys.Gid), 10)
	}
	return fi, nil
}

// FileOwner is the owner of the files the process backend writes: the user running kmconform.
func FileOwner() string { return strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid()) }

func (n *node) Start(_ context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		return fmt.Errorf("%s was already started: each product starts exactly once", n.spec.Alias)
	}
	var args []string
	if n.spec.Product == containers.Echo {
		args = []string{"backend", "--bind", n.ip, "--port", "8080"}
	} else {
		args = []string{"serve", "--product", string(n.spec.Product), "--version", n.spec.Version,
			"--home", n.home(), "--bind", n.ip, "--hosts", n.hosts}
	}
	console, err := os.Create(n.consolePath())
	if err != nil {
		return fmt.Errorf("start %s: %w", n.spec.Alias, err)
	}
	// Not CommandContext: the process lives until Close, not until the caller's context ends.
	cmd := exec.Command(n.kmsim, args...)
	cmd.Dir = n.dir // also how Stop recognises the process as this run's
	cmd.Env = os.Environ()
	for k, v := range n.spec.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = sysProcAttr(n.detach)
	if err := cmd.Start(); err != nil {
		_ = console.Close()
		return fmt.Errorf("start %s: %w", n.spec.Alias, err)
	}
	n.cmd, n.console, n.done = cmd, console, make(chan struct{})
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		if !n.stopped {
			if err == nil {
				err = errors.New("exited")
			}
			n.exitErr = fmt.Errorf("%s (kmsim %s) stopped on its own: %w", n.spec.Alias, n.spec.Product, err)
		}
		n.mu.Unlock()
		_ = console.Close()
		close(n.done)
	}()
	return nil
}

func (n *node) Exited() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.exitErr
}

func (n *node) Addr(_ context.Context, port int) (string, error) {
	return net.JoinHostPort(n.ip, strconv.Itoa(port)), nil
}

func (n *node) Logs(_ context.Context) ([]byte, error) {
	b, err := os.ReadFile(n.consolePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (n *node) stop() error {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.stopped = true
	n.mu.Unlock()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(n.stopTimeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not stop within %s of SIGTERM and was killed", n.spec.Alias, n.stopTimeout)
	}
}
