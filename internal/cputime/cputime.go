// Package cputime measures the CPU time of the process, the figure that
// benchmarks report beside wall time on shared machines: other jobs slow the
// wall clock of a run far more than its CPU time.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Now returns the CPU time (user + system) the process has used so far, or
// 0 where the system does not report it.
func Now() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report starts measuring a benchmark's CPU time; the returned function,
// called right after the timed loop, reports it per iteration as cpu-ns/op.
func Report(b *testing.B) func() {
	start := Now()
	return func() { b.ReportMetric(float64(Now()-start)/float64(b.N), "cpu-ns/op") }
}
