package poll

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/harness/intervals"
)

func setInterval(t *testing.T, spec string) {
	t.Helper()
	if err := intervals.Override(spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(intervals.Reset)
}

func TestUntilNeedsConsecutiveSuccesses(t *testing.T) {
	setInterval(t, "revocation=2s/1ms")
	answers := []bool{true, false, true, true, false, true, true, true}
	i := 0
	res, err := Until(context.Background(), Options{What: "x", Interval: intervals.Revocation, Consecutive: 3},
		func(context.Context) (bool, string, error) { i++; return answers[i-1], "", nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 8 {
		t.Errorf("attempts = %d, want 8 (the first run of three successes ends at the eighth answer)", res.Attempts)
	}
}

func TestUntilTimesOutNamingTheInterval(t *testing.T) {
	setInterval(t, "revocation=50ms/5ms")
	_, err := Until(context.Background(), Options{What: "the gateway to refuse the token", Interval: intervals.Revocation},
		func(context.Context) (bool, string, error) { return false, "HTTP 200", nil })
	if !IsTimeout(err) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	for _, want := range []string{"the gateway to refuse the token", "not within 50ms", "last: HTTP 200", "--interval revocation=100ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func TestUntilStopsOnProbeError(t *testing.T) {
	setInterval(t, "revocation=5s/1ms")
	dead := errors.New("wso2am stopped on its own")
	n := 0
	_, err := Until(context.Background(), Options{What: "x", Interval: intervals.Revocation},
		func(context.Context) (bool, string, error) { n++; return false, "", dead })
	if !errors.Is(err, dead) || n != 1 {
		t.Errorf("err = %v after %d probes, want the probe's error after one", err, n)
	}
}

func TestUntilReportsProgressAndElapsedSince(t *testing.T) {
	setInterval(t, "revocation=2s/5ms")
	var out bytes.Buffer
	since := time.Now().Add(-time.Second)
	start := time.Now()
	res, err := Until(context.Background(), Options{What: "the thing", Interval: intervals.Revocation, Since: since,
		Progress: &out, ProgressEvery: 20 * time.Millisecond},
		func(context.Context) (bool, string, error) {
			return time.Since(start) > 60*time.Millisecond, "not yet", nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed < time.Second {
		t.Errorf("elapsed %s does not count from Since", res.Elapsed)
	}
	if !strings.Contains(out.String(), "still waiting for the thing") || !strings.Contains(out.String(), "last: not yet") {
		t.Errorf("no progress line: %q", out.String())
	}
}

func TestUntilEndsWithTheContext(t *testing.T) {
	setInterval(t, "revocation=10s/1s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Until(ctx, Options{What: "x", Interval: intervals.Revocation},
		func(context.Context) (bool, string, error) { return false, "", nil })
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("err = %v after %s", err, time.Since(start))
	}
}

func TestRetryReturnsTheLastProductError(t *testing.T) {
	setInterval(t, "setup-retry=30ms/1ms")
	transient := errors.New("HTTP 500: artifact does not exist")
	err := Retry(context.Background(), Options{What: "create revision", Interval: intervals.SetupRetry},
		func(error) bool { return true }, func(context.Context) error { return transient })
	if !errors.Is(err, transient) {
		t.Errorf("err = %v, want the product's error", err)
	}
	fatal := errors.New("HTTP 400")
	n := 0
	err = Retry(context.Background(), Options{What: "x", Interval: intervals.SetupRetry},
		func(e error) bool { return e != fatal }, func(context.Context) error { n++; return fatal })
	if !errors.Is(err, fatal) || n != 1 {
		t.Errorf("err = %v after %d calls, want the non-retryable error after one", err, n)
	}
	n = 0
	err = Retry(context.Background(), Options{What: "x", Interval: intervals.SetupRetry},
		func(error) bool { return true }, func(context.Context) error {
			if n++; n < 3 {
				return transient
			}
			return nil
		})
	if err != nil || n != 3 {
		t.Errorf("err = %v after %d calls", err, n)
	}
}
