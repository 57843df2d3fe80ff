package cellrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/containers/process"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/notifjar"
	"github.com/kmconform/kmconform/harness/topology"
)

// Session is one cell from setup to teardown.
type Session struct {
	Config  Config
	Cell    matrix.Cell
	Env     *topology.Env
	backend containers.Backend
	http    *os.File
}

// Start validates the config, creates the backend and runs the setup. On a setup error the Session is
// returned as well, so that its evidence can be saved before Close.
func Start(ctx context.Context, cfg Config, progress io.Writer) (*Session, error) {
	cell, faults, err := cfg.Validate()
	if err != nil {
		return nil, err
	}
	s := &Session{Config: cfg, Cell: cell}
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		return nil, fmt.Errorf("create report folder: %w", err)
	}
	jar, err := s.notificationJAR()
	if err != nil {
		return nil, err
	}
	if s.backend, err = s.newBackend(); err != nil {
		return nil, err
	}
	if s.http, err = os.Create(filepath.Join(cfg.ReportDir, "http-transcript.log")); err != nil {
		_ = s.backend.Close(ctx)
		return nil, fmt.Errorf("create transcript: %w", err)
	}
	fmt.Fprintf(progress, "cell %s on target %s (backend %s)\n", cell.Name(), cfg.Target, s.backend.Name())
	s.Env, err = topology.Up(ctx, topology.Options{
		Cell: cell, Backend: s.backend, JAR: jar, Faults: faults, Progress: progress, Transcript: s.http,
		Images: map[containers.Product]string{containers.IS: cell.IS.Image, containers.APIM: cell.APIM.Image},
	})
	return s, err
}

func (s *Session) newBackend() (containers.Backend, error) {
	switch s.Config.Target {
	case TargetSim:
		return process.New(process.Options{Kmsim: s.Config.Kmsim, KeepWorkDir: s.Config.KeepWorkDir})
	case TargetOfficial:
		return nil, errors.New("the official-image target is not available yet; run against the simulator with --target sim (make conformance TARGET=sim)")
	}
	return nil, fmt.Errorf("unknown target %q", s.Config.Target)
}

// notificationJAR is the handler JAR for IS. Simulator targets get a stand-in (the simulator checks the
// handler class is present, never its bytecode).
func (s *Session) notificationJAR() (topology.JAR, error) {
	v := notifjar.DefaultVersion
	content, err := notifjar.StandIn(v)
	if err != nil {
		return topology.JAR{}, fmt.Errorf("build the stand-in notification JAR: %w", err)
	}
	return topology.JAR{Name: notifjar.StandInFileName(v), Content: content}, nil
}

// SaveEvidence writes each node's log and applied deployment.toml, redacted, under reports/<cell>/evidence.
func (s *Session) SaveEvidence(ctx context.Context) error {
	if s == nil || s.Env == nil {
		return nil
	}
	dir := filepath.Join(s.Config.ReportDir, "evidence")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create evidence folder: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	var errs []error
	for _, n := range s.Env.Nodes {
		alias := n.Spec().Alias
		if logs, err := n.Logs(ctx); err == nil {
			errs = append(errs, writeRedacted(filepath.Join(dir, alias+".log"), logs, s.Env.Redactor))
		} else {
			errs = append(errs, fmt.Errorf("logs of %s: %w", alias, err))
		}
		if n.Spec().Product == containers.Echo {
			continue
		}
		if conf, err := n.ReadFile(ctx, "repository/conf/deployment.toml"); err == nil {
			errs = append(errs, writeRedacted(filepath.Join(dir, alias+"-deployment.toml"), conf, s.Env.Redactor))
		}
	}
	return errors.Join(errs...)
}

func writeRedacted(path string, b []byte, r *evidence.Redactor) error {
	return os.WriteFile(path, []byte(r.Redact(string(b))), 0o644)
}

// Close removes every node and closes the transcript. It ignores the caller's cancellation: cleanup runs
// also after Ctrl-C.
func (s *Session) Close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var errs []error
	if s.backend != nil {
		errs = append(errs, s.backend.Close(ctx))
	}
	if s.http != nil {
		errs = append(errs, s.http.Close())
	}
	return errors.Join(errs...)
}
