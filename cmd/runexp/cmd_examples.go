package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"nmfbench/datasets"
)

// cmdExamples reproduces the Wasserstein NMF seed's two examples with figures.
func cmdExamples(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("examples", "examples [--out DIR] [--data-dir DIR] [--seed N] gaussian|mnist|all", stderr)
	out := fs.String("out", "reports/figures/wnmf", "directory the figures are written to")
	dataDir := fs.String("data-dir", "", "directory holding the MNIST test files (default: $NMFBENCH_DATA, else ../shared/datasets)")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseInterleaved(fs, args); err != nil {
		return err
	}
	which := "all"
	if fs.NArg() == 1 {
		which = fs.Arg(0)
	} else if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	if which != "all" && which != "gaussian" && which != "mnist" {
		return specError{fmt.Errorf("unknown example %q: choose gaussian, mnist or all", which)}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	if which != "mnist" {
		r, err := GaussianExample(ctx, *out, *seed)
		if err != nil {
			return fmt.Errorf("gaussian example: %w", err)
		}
		fmt.Fprintf(stdout, "gaussian: W-NMF atoms peak at %.2f (grid step 0.24; mixture means near −6, 0, 6); figure %s\n", r.Peaks, r.Figure)
	}
	if which != "gaussian" {
		dir, _ := datasets.ResolveDir(*dataDir)
		images, _, err := datasets.LoadMNISTTest(ctx, dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "mnist: 256 images, k = 25, 15 outer iterations (about a minute)...\n")
		r, err := MNISTExample(ctx, images, *out, *seed)
		if err != nil {
			return fmt.Errorf("mnist example: %w", err)
		}
		fmt.Fprintf(stdout, "mnist: %d atoms learned; figure %s\n", r.WNMF.D.RawMatrix().Cols, r.Figure)
	}
	return nil
}
