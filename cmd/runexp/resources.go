package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/runner"
)

// machineMemory is the machine's total memory in bytes (Linux's
// /proc/meminfo), or 0 when unknown.
func machineMemory() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fs := strings.Fields(rest)
			if len(fs) == 2 && fs[1] == "kB" {
				if kb, err := strconv.ParseFloat(fs[0], 64); err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}

// checkResources refuses, at validation, a spec whose plan has an
// artifact estimated to need more memory than the machine has (a batch of
// 1e8, layers of 1e5 units, 1e12 steps of loss curve): a clear error
// naming the artifact, the sizes and the field to lower, instead of a
// fatal out-of-memory crash mid-run. mem 0 skips the check.
func checkResources(f *experiment.File, reg experiment.Registry, mem float64) error {
	if mem <= 0 {
		return nil
	}
	needs := runner.Needs(runner.NewPlan(f, reg))
	if len(needs) == 0 || needs[0].Bytes <= 0.8*mem {
		return nil
	}
	n := needs[0]
	return fmt.Errorf("%s: %s (%s) needs about %s of memory for %s; this machine has %s: lower %s (e.g. -set %s=...)",
		f.Path, n.Artifact.Label, n.Artifact.Kind, bytesText(n.Bytes), n.What, bytesText(mem), n.Hint, strings.Fields(n.Hint)[0])
}

func bytesText(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == len(units)-1 && b >= 1024 {
		return fmt.Sprintf("%.3g %s", b, units[i])
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
