package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"nmfbench/internal/blasbackend"
	"nmfbench/internal/ot/vmath"
)

// doctorElementwise, when set (to the elementwise kernels' self-report), adds
// a line on them to the doctor's report.
var doctorElementwise = func() string {
	return "vmath path " + vmath.Path() + " (available: " + strings.Join(vmath.Paths(), ", ") + "; NMFBENCH_VMATH caps it)"
}

// cmdDoctor diagnoses the BLAS setup: backend, OpenBLAS core loaded and the
// one the CPU supports, CPU features, threads, DGEMM verified against gonum,
// the measured FMA peak of one core and the one-thread DGEMM rate on the
// workload's shapes, then a verdict: OK or what to do.
func cmdDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("doctor", "doctor [--time D] [--strict]", stderr)
	per := fs.Duration("time", time.Second, "measuring time per DGEMM shape and per FMA width")
	strict := fs.Bool("strict", false, "exit with status 1 unless the verdict is OK")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *per <= 0 || *per > time.Minute {
		return specError{fmt.Errorf("--time %v: must be in (0, 1m]", *per)}
	}
	v, err := blasbackend.Doctor(ctx, stdout, blasbackend.DoctorOptions{Time: *per, Elementwise: doctorElementwise})
	if err != nil {
		return err
	}
	if *strict && !v.OK {
		return errors.New(fmt.Sprint("verdict: ", v.Line()))
	}
	return nil
}
