//go:build soak

package selftest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestSoak runs cells one after the other — 20 on simulator processes (the whole matrix, 4 IS × 5 API-M
// versions) and 5 on simulator containers — and reports how many passed and the spread of their wall
// times. 'make soak' runs it; it is not part of 'make test'. A cell passes when kmconform exits 0 and
// nothing of it is left (processes, work folders, containers, networks).
func TestSoak(t *testing.T) {
	var cells [][2]string
	for _, is := range []string{"7.0.0", "7.1.0", "7.2.0", "7.3.0"} {
		for _, am := range []string{"4.3.0", "4.4.0", "4.5.0", "4.6.0", "4.7.0"} {
			cells = append(cells, [2]string{is, am})
		}
	}
	docker := [][2]string{{"7.0.0", "4.3.0"}, {"7.1.0", "4.4.0"}, {"7.1.0", "4.5.0"}, {"7.2.0", "4.6.0"}, {"7.3.0", "4.7.0"}}
	var summary []string
	summary = append(summary, soak(t, "sim", "kmsim processes", cells))
	if os.Getenv("SKIP_DOCKER") == "1" {
		summary = append(summary, "soak: sim-docker: SKIPPED (SKIP_DOCKER=1)")
	} else {
		requireDocker(t)
		summary = append(summary, soak(t, "sim-docker", "simulator containers", docker))
	}
	fmt.Println()
	for _, s := range summary {
		fmt.Println(s)
	}
}

func soak(t *testing.T, target, what string, cells [][2]string) string {
	var times []time.Duration
	passed := 0
	for i, c := range cells {
		name := fmt.Sprintf("%s-%02d-is-%s_apim-%s", target, i+1, c[0], c[1])
		var took time.Duration
		ok := t.Run(name, func(t *testing.T) {
			args := []string{"run", "--target", target, "--is", c[0], "--apim", c[1]}
			id := ""
			if target == "sim-docker" {
				id = fmt.Sprintf("soak-%s-%d", time.Now().UTC().Format("150405"), i+1)
				args = append(args, "--run-id", id)
			}
			start := time.Now()
			r := kmconform(t, args...)
			took = time.Since(start)
			if r.exit != 0 {
				t.Errorf("exit %d; output:\n%s", r.exit, r.output)
			}
			if r.results == nil {
				t.Errorf("no results.json")
			}
			if n := kmsimProcesses(t); n > 0 {
				t.Errorf("%d kmsim processes left", n)
			}
			if left, _ := filepath.Glob(filepath.Join(tmpFor(t), "kmconform-*")); len(left) > 0 {
				t.Errorf("work folders left: %v", left)
			}
			if id != "" {
				if n := labelled(t, id+"-is-"+c[0]+"_apim-"+c[1]); n > 0 {
					t.Errorf("%d containers/networks left", n)
				}
			}
		})
		times = append(times, took)
		if ok {
			passed++
		}
		fmt.Printf("soak: %s %2d/%d %s %s\n", target, i+1, len(cells), map[bool]string{true: "passed", false: "FAILED"}[ok], took.Round(10*time.Millisecond))
	}
	slices.Sort(times)
	median := times[len(times)/2]
	if len(times)%2 == 0 {
		median = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	r := func(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }
	return fmt.Sprintf("soak: %s (%s): %d/%d passed; wall time min %s, median %s, max %s", target, what, passed, len(cells),
		r(times[0]), r(median), r(times[len(times)-1]))
}
