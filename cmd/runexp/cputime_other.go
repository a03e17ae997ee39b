//go:build !unix

package main

import "time"

var cpuStart = time.Now()

// cpuSeconds falls back to wall-clock time where getrusage is missing.
func cpuSeconds() float64 { return time.Since(cpuStart).Seconds() }
