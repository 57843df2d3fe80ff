package main

import (
	"errors"
	"strings"
	"testing"
)

func TestParallelismFollowsMemory(t *testing.T) {
	const avail = 23 * gib
	for _, c := range []struct {
		name             string
		requested, cells int
		target           string
		available        uint64
		haveMem          bool
		cpus             int
		want             int
		refusal          string
	}{
		{"official default: memory allows 5, cores 2", 0, 20, "official", avail, true, 2, 2, ""},
		{"official default on a large runner", 0, 20, "official", 64 * gib, true, 32, 15, ""},
		{"official default: one cell even when short", 0, 20, "official", 2 * gib, true, 8, 1, ""},
		{"sim default: cores", 0, 20, "sim", avail, true, 2, 2, ""},
		{"sim default: fewer cells than cores", 0, 3, "sim", avail, true, 16, 3, ""},
		{"a request that fits", 4, 20, "official", avail, true, 2, 4, ""},
		{"a request beyond the cells", 8, 3, "sim", avail, true, 2, 3, ""},
		{"a request that does not fit", 8, 20, "official", avail, true, 2, 0, "--parallel 8 needs about 33.0 GiB (4 GiB a cell for the official images"},
		{"nothing fits", 1, 20, "official", 3 * gib, true, 2, 0, "no cell fits"},
		{"no /proc/meminfo", 6, 20, "official", 0, false, 2, 6, ""},
	} {
		got, why, err := parallelism(c.requested, c.cells, c.target, c.available, c.haveMem, c.cpus)
		if c.refusal != "" {
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), c.refusal) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: err = %v, want one sentence (exit 2) with %q", c.name, err, c.refusal)
			}
			continue
		}
		if err != nil || got != c.want || why == "" {
			t.Errorf("%s: %d (%s), %v; want %d", c.name, got, why, err, c.want)
		}
	}
}
