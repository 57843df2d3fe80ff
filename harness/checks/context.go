package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/fixture"
)

// C is what a check's body works with: the cell, its fixtures, assertions that end the check with a
// message, measurements and a log.
type C struct {
	// Env is the cell after its base setup.
	Env *env.Env

	ctx      context.Context
	check    *Check
	fixtures *fixture.Set
	log      io.Writer
	g        gomega.Gomega

	measurements map[string]float64
	deferred     []func(ctx context.Context) error
}

// failure ends a check: Failf panics with it and Execute recovers it.
type failure struct {
	msg     string
	fixture *fixture.Error
}

// Failf ends the check as failed. The message should say what was expected, what came back and what it
// means for the integration.
func (c *C) Failf(format string, args ...any) {
	panic(failure{msg: fmt.Sprintf(format, args...)})
}

// NoErr ends the check when err is not nil, with what was being done.
func (c *C) NoErr(err error, what string, args ...any) {
	if err == nil {
		return
	}
	f := failure{msg: fmt.Sprintf(what, args...) + ": " + err.Error()}
	var fe *fixture.Error
	if errors.As(err, &fe) {
		f.fixture = fe
	}
	panic(f)
}

// Expect is a Gomega assertion whose failure ends the check.
func (c *C) Expect(actual any, extra ...any) gomega.Assertion { return c.g.Expect(actual, extra...) }

// Measure records a number in the check's results (e.g. revocation-latency-ms).
func (c *C) Measure(name string, value float64) {
	if c.measurements == nil {
		c.measurements = map[string]float64{}
	}
	c.measurements[name] = value
}

// Logf writes to the cell's verbose log.
func (c *C) Logf(format string, args ...any) {
	fmt.Fprintf(c.log, "  "+format+"\n", args...)
}

// Defer runs fn after the check's body, newest first, whether it passed or not.
func (c *C) Defer(fn func(ctx context.Context) error) { c.deferred = append(c.deferred, fn) }

// Shared returns the run's shared instance of a fixture the check declares.
func Shared[T any](c *C, d fixture.Def[T]) T {
	c.mustDeclare(d.Name)
	v, err := fixture.Shared(c.ctx, c.fixtures, d)
	c.NoErr(err, "the check needs fixture %s", d.Name)
	return v
}

// Private creates an instance of a fixture for this check alone (a destructive check); it is removed when
// the check ends, passed or failed.
func Private[T any](c *C, d fixture.Def[T]) T {
	c.mustDeclare(d.Name)
	v, cleanup, err := fixture.Private(c.ctx, c.fixtures, d)
	if cleanup != nil {
		c.Defer(func(ctx context.Context) error { return cleanup(ctx) })
	}
	c.NoErr(err, "the check needs its own instance of fixture %s", d.Name)
	return v
}

func (c *C) mustDeclare(name string) {
	if !slices.Contains(c.check.Fixtures, name) {
		c.Failf("kmconform defect: check %s uses fixture %s without declaring it", c.check.ID, name)
	}
}
