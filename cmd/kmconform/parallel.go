package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/kmconform/kmconform/harness/cellrun"
)

// cellMemory is the memory one cell of a target needs, and where the figure comes from.
type cellMemory struct {
	bytes uint64
	why   string
}

const (
	mib = 1 << 20
	gib = 1 << 30
)

// memoryPerCell is what one cell needs on this machine, per target (README "Parallel cells").
//
//   - official: 4 GiB. IS and API-M each start a JVM with JVM_MEM_OPTS "-Xms256m -Xmx1024m" (the default of
//     bin/wso2server.sh in wso2/product-is and bin/api-manager.sh in wso2/product-apim), and WSO2's
//     installation prerequisites ask 2 GB of memory per product instance (IS: "Minimum memory - 2 GB";
//     API-M: "2 GB for JVM"): 2 GiB for each product; the echo backend is a small kmsim.
//   - sim, sim-docker: 128 MiB. Measured peak RSS (VmHWM) of one cell: the suite ≈ 25 MiB, kmsim playing IS
//     ≈ 12 MiB, API-M ≈ 11 MiB, the backend ≈ 9 MiB — about 60 MiB; the figure doubles it for the checks
//     still to come. 'make bench' measures it again and fails when a cell needs more.
func memoryPerCell(target string) cellMemory {
	switch target {
	case cellrun.TargetOfficial:
		return cellMemory{4 * gib, "4 GiB a cell for the official images: IS and API-M each run a JVM started with -Xmx1024m, and WSO2 asks 2 GB per product"}
	default:
		return cellMemory{SimCellMemory, "128 MiB a cell for the simulator (measured peak about 60 MiB)"}
	}
}

// SimCellMemory is the memory figure of a simulator cell; 'make bench' checks it against a measurement.
const SimCellMemory = 128 * mib

// memoryReserve is left to the operating system and kmconform itself.
const memoryReserve = 1 * gib

// memAvailable reads MemAvailable from /proc/meminfo (Linux); ok=false elsewhere.
func memAvailable() (uint64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// parallelism decides how many cells run at once: the request if the machine's memory holds it, else a
// default of as many cells as fit in the available memory, and at most one per CPU core (a product's start
// is CPU-bound). It returns the number and a sentence saying why.
func parallelism(requested, cells int, target string, available uint64, haveMem bool, cpus int) (int, string, error) {
	need := memoryPerCell(target)
	fit := cells
	if haveMem {
		usable := uint64(0)
		if available > memoryReserve {
			usable = available - memoryReserve
		}
		fit = int(usable / need.bytes)
	}
	if requested > 0 {
		if haveMem && requested > fit {
			how := "no cell fits: free memory or run on a larger machine"
			if fit > 0 {
				how = fmt.Sprintf("use --parallel %d or fewer", fit)
			}
			return 0, "", usageError("--parallel %d needs about %s (%s) but this machine has %s available: %s",
				requested, human(uint64(requested)*need.bytes+memoryReserve), need.why, human(available), how)
		}
		return min(requested, cells), fmt.Sprintf("--parallel %d", requested), nil
	}
	p := max(1, min(cells, fit, cpus))
	why := fmt.Sprintf("default: %s, %d CPU cores", need.why, cpus)
	if haveMem {
		why = fmt.Sprintf("default: %s, %s available, %d CPU cores", need.why, human(available), cpus)
	}
	return p, why, nil
}

func defaultParallelism(requested, cells int, target string) (int, string, error) {
	avail, ok := memAvailable()
	return parallelism(requested, cells, target, avail, ok, runtime.NumCPU())
}

func human(b uint64) string {
	if b >= gib {
		return fmt.Sprintf("%.1f GiB", float64(b)/gib)
	}
	return fmt.Sprintf("%d MiB", b/mib)
}
