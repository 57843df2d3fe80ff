package selftest

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The boot times the benchmark gives the simulator (kmsim --start-delay): the products take about a minute
// (IS) and two (API-M) to start; scaled down by 15.
const (
	benchISBoot   = 4 * time.Second
	benchAPIMBoot = 8 * time.Second
	benchCells    = 6
	// benchPoll scales the readiness polls down with the boot times (2 s against a boot of minutes; the
	// same 2 s against a boot of seconds would measure the poll, not the matrix).
	benchPoll = "is-ready=5m/130ms,apim-ready=8m/130ms"
	// simCellMemory is cmd/kmconform's figure for one simulator cell (memoryPerCell).
	simCellMemory = 128 << 20
)

// BenchmarkParallelMatrix runs N = 6 simulator cells whose products take 4 s (IS) and 8 s (API-M) to start,
// at P = 1, 2 and 3 cells at once, and reports for each the ratio of the wall time to the ideal
// ⌈N/P⌉ × (max(boot) + cell), where cell is the wall time of one cell that boots at once: each wave of P
// cells can end no sooner than one boot plus one cell's own work. The goal is a ratio of at most 1.1. It
// also measures the peak memory (VmHWM) of one cell's processes and fails when it exceeds the figure
// kmconform sizes --parallel with.
func BenchmarkParallelMatrix(b *testing.B) {
	boot := max(benchISBoot, benchAPIMBoot)
	for range b.N {
		// One cell that boots at once, alone: the part of a cell that is not the products' start.
		cell := time.Duration(math.MaxInt64)
		for range 2 {
			wall, _ := benchMatrix(b, nil, "7.1.0", "4.5.0", 1)
			cell = min(cell, wall)
		}
		var table []string
		delay := fmt.Sprintf("KMSIM_START_DELAY=is=%s,apim=%s", benchISBoot, benchAPIMBoot)
		for _, p := range []int{1, 2, 3} {
			wall, mem := benchMatrix(b, []string{delay}, "7.1.0,7.2.0", "4.3.0,4.4.0,4.5.0", p)
			waves := (benchCells + p - 1) / p
			ideal := time.Duration(waves) * (boot + cell)
			ratio := wall.Seconds() / ideal.Seconds()
			b.ReportMetric(ratio, fmt.Sprintf("ratio-P%d", p))
			table = append(table, fmt.Sprintf("P=%d  wall %6.1fs  ideal %d × (%s + %.1fs) = %6.1fs  ratio %.3f  %s  peak memory of one cell %d MiB",
				p, wall.Seconds(), waves, boot, cell.Seconds(), ideal.Seconds(), ratio, verdict(ratio), mem>>20))
			if mem > simCellMemory {
				b.Errorf("one simulator cell peaked at %d MiB, above the %d MiB kmconform sizes --parallel with (cmd/kmconform memoryPerCell)", mem>>20, simCellMemory>>20)
			}
		}
		// The whole matrix on the simulator as it is (no start delay), one cell at a time and two.
		all1, _ := benchMatrix(b, nil, "all", "all", 1)
		all2, _ := benchMatrix(b, nil, "all", "all", 2)
		b.ReportMetric(all1.Seconds()/all2.Seconds(), "speedup-all-P2")
		table = append(table, fmt.Sprintf("--is all --apim all (20 cells, no start delay): --parallel 1 %.1fs, --parallel 2 %.1fs, speed-up %.2f",
			all1.Seconds(), all2.Seconds(), all1.Seconds()/all2.Seconds()))
		if all2 >= all1 {
			b.Errorf("--parallel 2 (%s) is not faster than --parallel 1 (%s)", all2, all1)
		}
		b.Logf("N = %d cells, boot IS %s / API-M %s, one cell without boot %.2fs (goal: ratio ≤ 1.1)\n%s",
			benchCells, benchISBoot, benchAPIMBoot, cell.Seconds(), strings.Join(table, "\n"))
	}
}

func verdict(ratio float64) string {
	if ratio <= 1.1 {
		return "ok  "
	}
	return "SLOW"
}

// benchMatrix runs a simulator matrix and returns its wall time and the peak memory of one cell: the sum of
// the largest VmHWM seen for each of a cell's processes (the suite, kmsim playing IS and API-M, the
// backend).
func benchMatrix(b *testing.B, env []string, is, apim string, parallel int) (time.Duration, uint64) {
	b.Helper()
	tmp := b.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "kmconform"), "matrix", "--target", "sim", "--is", is, "--apim", apim,
		"--parallel", strconv.Itoa(parallel), "--quiet", "--reports", filepath.Join(tmp, "reports"), "--interval", benchPoll)
	cmd.Env = append(append(os.Environ(), "TMPDIR="+tmp), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stop := make(chan struct{})
	var wg sync.WaitGroup
	peaks := map[string]uint64{}
	wg.Go(func() { samplePeaks(tmp, peaks, stop) })
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		b.Fatalf("kmconform matrix --parallel %d: %v\n%s", parallel, err, out.String())
	}
	var sum uint64
	for _, v := range peaks {
		sum += v
	}
	return wall, sum
}

// samplePeaks records, per kind of process of the run under root, the largest VmHWM seen.
func samplePeaks(root string, peaks map[string]uint64, stop <-chan struct{}) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil || !bytes.Contains(raw, []byte(root)) && !strings.HasPrefix(cwd(e.Name()), root) {
				continue
			}
			args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
			kind := ""
			switch {
			case strings.HasSuffix(args[0], "conformance.test"):
				kind = "suite"
			case strings.HasSuffix(args[0], "kmsim") && len(args) > 1:
				kind = "kmsim " + args[1]
				for i, a := range args {
					if a == "--product" && i+1 < len(args) {
						kind = "kmsim " + args[i+1]
					}
				}
			default:
				continue
			}
			if hwm := vmHWM(e.Name()); hwm > peaks[kind] {
				peaks[kind] = hwm
			}
		}
	}
}

func cwd(pid string) string {
	p, _ := os.Readlink(filepath.Join("/proc", pid, "cwd"))
	return p
}

func vmHWM(pid string) uint64 {
	f, err := os.Open(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "VmHWM:" {
			kb, _ := strconv.ParseUint(fields[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
