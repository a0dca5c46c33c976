package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"nmfbench/datasets"
)

func cmdDatasets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("datasets", "datasets [--check] [--render DIR] [--data-dir DIR]", stderr)
	dataDir := fs.String("data-dir", "", "directory holding the dataset files (default: $NMFBENCH_DATA, else ../shared/datasets)")
	check := fs.Bool("check", false, "verify every file: presence, SHA-256, parse, shape; exit 1 if any is not ok")
	render := fs.String("render", "", "write a PNG montage of each available dataset into this directory, for a visual check")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir, how := datasets.ResolveDir(*dataDir)
	if !*check && *render == "" {
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "name\tfile\tsamples\tfeatures\tclasses\tper class\tdescription\n")
		for _, in := range datasets.All() {
			file := in.File
			if in.IsSynthetic() {
				file = "(generated)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", in.Name, file, in.Samples, in.Features, in.Classes, in.PerClass, in.Description)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "\ndata directory: %s (%s)\n", orNone(dir), how)
		return nil
	}
	if *check {
		fmt.Fprintf(stdout, "checking %s (%s)\n", orNone(dir), how)
		bad := 0
		for _, r := range datasets.CheckAll(dir) {
			fmt.Fprintf(stdout, "%-12s %-18s %s\n", r.Name, r.Status, r.Message)
			if r.Status != datasets.StatusOK {
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d dataset(s) not ok (see above)", bad)
		}
	}
	if *render != "" {
		paths, err := renderMontages(ctx, dir, *render)
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
		return err
	}
	return nil
}

func orNone(dir string) string {
	if dir == "" {
		return "(none)"
	}
	return dir
}

// renderMontages writes, for every file dataset present in dir, a montage of
// the first image of up to 20 classes, so a person can check orientation.
func renderMontages(ctx context.Context, dir, out string) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", out, err)
	}
	var paths []string
	for _, in := range datasets.All() {
		if in.IsSynthetic() {
			continue
		}
		d, err := datasets.Load(ctx, dir, in.Name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "skipping %s: %v\n", in.Name, err)
			continue
		}
		var idx []int
		seen := map[int]bool{}
		for i, l := range d.Labels {
			if !seen[l] && len(idx) < 20 {
				seen[l] = true
				idx = append(idx, i)
			}
		}
		p := filepath.Join(out, in.Name+".png")
		f, err := os.Create(p)
		if err != nil {
			return paths, err
		}
		err = datasets.WriteMontagePNG(f, d, idx, 10, 3)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return paths, fmt.Errorf("%s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
