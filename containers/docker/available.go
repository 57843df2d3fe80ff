package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// ErrUnavailable matches (errors.Is) the error of Available, New and Clean when no Docker engine answers.
var ErrUnavailable = errors.New("no Docker engine answers")

type unavailableError struct{ cause error }

func (e *unavailableError) Error() string {
	return fmt.Sprintf("no Docker engine answers (%s): start Docker, or run against the simulator with TARGET=sim", oneLine(e.cause.Error()))
}
func (e *unavailableError) Unwrap() error        { return e.cause }
func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

var ryukOnce sync.Once

// disableRyuk turns the testcontainers reaper off unless the user chose otherwise: it is one more image to
// pull, and Close and Clean already remove everything by label. testcontainers reads its configuration once
// per process, so this must run before its first call.
func disableRyuk() {
	ryukOnce.Do(func() {
		if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
			_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		}
	})
}

// Available reports whether a Docker engine answers: nil, or one sentence that names the cause and the way out.
func Available(ctx context.Context) (err error) {
	disableRyuk()
	// Some testcontainers host-detection paths panic instead of returning an error.
	defer func() {
		if r := recover(); r != nil {
			err = &unavailableError{fmt.Errorf("panic: %v", r)}
		}
	}()
	p, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return &unavailableError{err}
	}
	defer p.Close()
	if err := p.Health(ctx); err != nil {
		return &unavailableError{err}
	}
	// Health caches the first successful docker info for the whole process; a ping notices an engine that
	// went away since.
	if dp, ok := p.(*testcontainers.DockerProvider); ok {
		if _, err := dp.Client().Ping(ctx, client.PingOptions{}); err != nil {
			return &unavailableError{err}
		}
	}
	return nil
}

// oneLine folds a multi-line library error into one line for a one-sentence message.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "; ")
}
