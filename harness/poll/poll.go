// Package poll is the one way kmconform waits for something eventually consistent: a product becoming
// ready, an API or a Key Manager reaching the gateway, a revocation being enforced. The timeout and the
// poll period come from a named interval (harness/intervals), so a slow machine stretches them by name;
// long waits say so while they wait; a timeout names what was awaited, the last answer and the interval.
package poll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kmconform/kmconform/harness/intervals"
)

// DefaultProgressEvery is how often a long wait reports that it is still waiting.
const DefaultProgressEvery = 15 * time.Second

// Options describe one wait.
type Options struct {
	// What is awaited, as the end of "waiting for …", e.g. "the gateway to accept the token".
	What string
	// Interval is the interval's name in harness/intervals; its timeout and poll period apply.
	Interval string
	// Consecutive successes needed before the wait ends (default 1): eventually consistent systems can
	// answer yes once and no again (a gateway node that has not caught up).
	Consecutive int
	// Since is when the awaited change started (default: now); Result.Elapsed and the deadline count from it.
	Since time.Time
	// Backoff starts polling fast (10 ms) and doubles up to the interval's period: a simulator is up in a
	// blink, a product takes minutes and should not be hammered.
	Backoff bool
	// Progress receives a line every ProgressEvery while the wait lasts (nil: silent).
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Probe looks once. done ends the wait (after Consecutive successes); last describes what it saw, for
// progress lines and the timeout message; a non-nil err stops the wait at once (e.g. the node died).
type Probe func(ctx context.Context) (done bool, last string, err error)

// Result is how a wait ended.
type Result struct {
	// Elapsed is the time from Since to the end of the probe that completed the wait.
	Elapsed  time.Duration
	Attempts int
	Last     string
}

// TimeoutError is a wait that ran out of time. It names the interval so that the message can say how
// to stretch it.
type TimeoutError struct {
	What, Interval, Last string
	Timeout              time.Duration
}

func (e *TimeoutError) Error() string {
	last := e.Last
	if last == "" {
		last = "no answer"
	}
	return fmt.Sprintf("%s: not within %s (last: %s); if it is only slow, stretch it with --interval %s=%s",
		e.What, e.Timeout, last, e.Interval, 2*e.Timeout)
}

// Until runs probe until it succeeds Consecutive times in a row, the interval's timeout has passed since
// Since, probe fails, or ctx ends.
func Until(ctx context.Context, o Options, probe Probe) (Result, error) {
	iv := intervals.Get(o.Interval)
	if o.Since.IsZero() {
		o.Since = time.Now()
	}
	if o.Consecutive < 1 {
		o.Consecutive = 1
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	deadline := o.Since.Add(iv.Timeout)
	wait := iv.Poll
	if o.Backoff {
		wait = min(10*time.Millisecond, iv.Poll)
	}
	var res Result
	streak := 0
	lastProgress := time.Now()
	for {
		res.Attempts++
		done, last, err := probe(ctx)
		res.Elapsed, res.Last = time.Since(o.Since), last
		if err != nil {
			return res, fmt.Errorf("%s: %w", o.What, err)
		}
		if done {
			streak++
			if streak >= o.Consecutive {
				return res, nil
			}
		} else {
			streak = 0
		}
		if time.Now().After(deadline) {
			return res, &TimeoutError{What: o.What, Interval: o.Interval, Last: last, Timeout: iv.Timeout}
		}
		if o.Progress != nil && time.Since(lastProgress) >= o.ProgressEvery {
			fmt.Fprintf(o.Progress, "  still waiting for %s: %s of %s (last: %s)\n",
				o.What, res.Elapsed.Round(time.Second), iv.Timeout, last)
			lastProgress = time.Now()
		}
		timer := time.NewTimer(min(wait, max(time.Until(deadline), time.Millisecond)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return res, fmt.Errorf("%s: interrupted after %s: %w", o.What, res.Elapsed.Round(time.Millisecond), ctx.Err())
		case <-timer.C:
		}
		if o.Backoff {
			wait = min(2*wait, iv.Poll)
		}
	}
}

// IsTimeout reports whether err is a wait that ran out of time.
func IsTimeout(err error) bool {
	var te *TimeoutError
	return errors.As(err, &te)
}

// Retry calls fn until it succeeds, fails with an error retryable does not accept, or the interval runs
// out; then it returns fn's last error, so that the caller reports what the product said, not the wait.
func Retry(ctx context.Context, o Options, retryable func(error) bool, fn func(ctx context.Context) error) error {
	var lastErr error
	_, err := Until(ctx, o, func(ctx context.Context) (bool, string, error) {
		lastErr = fn(ctx)
		switch {
		case lastErr == nil:
			return true, "", nil
		case retryable(lastErr):
			return false, lastErr.Error(), nil
		}
		return false, "", errStop
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errStop) || IsTimeout(err):
		return lastErr
	}
	return errors.Join(lastErr, err)
}

var errStop = errors.New("not retryable")
