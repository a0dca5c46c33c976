// Command runexp runs nmfbench experiments and reports their results.
//
//	runexp run [flags] SPEC.yaml   expand the spec, fit, cluster, score, store (resumes)
//	runexp report [flags]          write tables (and plots) from the results database alone
//	runexp methods                 list the registered methods with their parameters
//	runexp datasets [flags]        list the known datasets; --check verifies the data directory
//	runexp examples [flags] NAME   the Wasserstein NMF examples (gaussian, mnist) with figures
//	runexp doctor [flags]          BLAS backend, OpenBLAS core, DGEMM rates against the FMA peak
//	runexp timing [flags]          seconds per row and the projected wall time of a grid
//
// Run "runexp help COMMAND" (or "runexp COMMAND --help") for a command's
// flags and "runexp --version" for the version, git revision and BLAS
// backend.
//
// Exit codes: 0 everything asked for succeeded; 1 some runs failed (their
// errors are stored) or an operation failed; 2 a usage or spec error
// (nothing was run); 130 interrupted by SIGINT or SIGTERM (stored runs are
// kept).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"

	"nmfbench/internal/blasbackend"
	"nmfbench/internal/spec"
)

func main() {
	// Before anything else: OpenBLAS reads its core type when it loads, so a
	// generic fallback core is replaced by re-executing with the right one.
	blasbackend.Ensure()
	ctx, interrupted := interruptible(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if interrupted() {
		code = exitInterrupted
	}
	os.Exit(code)
}

// exitInterrupted is the exit code after SIGINT or SIGTERM (128 + SIGINT).
const exitInterrupted = 130

// interruptible returns a context cancelled by the first SIGINT or SIGTERM
// (the command stops gracefully: runs stored so far are kept) and a
// function reporting whether that happened. A second signal exits at once
// with code 130.
func interruptible(stderr io.Writer) (context.Context, func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var got atomic.Bool
	go func() {
		s := <-sig
		got.Store(true)
		fmt.Fprintf(stderr, "\nrunexp: %v: stopping after the runs in flight are abandoned (stored runs are kept); send it again to exit at once\n", s)
		cancel()
		<-sig
		fmt.Fprintf(stderr, "runexp: second signal: exiting now\n")
		os.Exit(exitInterrupted)
	}()
	return ctx, got.Load
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run an experiment spec (YAML), storing every run in SQLite; resumes", cmdRun},
		{"report", "write tables and plots from the results database", cmdReport},
		{"methods", "list registered methods with parameters and defaults", cmdMethods},
		{"datasets", "list known datasets; --check verifies files and checksums", cmdDatasets},
		{"examples", "Wasserstein NMF examples of Rolet et al. (3 Gaussians, MNIST) with figures", cmdExamples},
		{"doctor", "diagnose the BLAS set-up: core, FMA peak, DGEMM rates, verdict", cmdDoctor},
		{"timing", "per-row mean fit and k-means seconds; projected wall time of the grid for N seeds on J workers", cmdTiming},
		{"merge", "merge results databases (e.g. of shards) into one, by configuration hash", cmdMerge},
		{"slurm", "write (and --submit) the sbatch scripts of a Slurm job array of shards plus a merge-and-report job", cmdSlurm},
		{"status", "per dataset and row: runs of a spec done, failed, missing in the database(s)", cmdStatus},
		{"export", "write the database's runs, scores, labels, traces, factors as CSV, JSON Lines or Parquet (+ .npy)", cmdExport},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "runexp: reproduce and extend NMF / tensor-factorization clustering benchmarks.\n\nUsage: runexp COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'runexp help COMMAND' for a command's flags, 'runexp --version' for the version.\n")
	fmt.Fprintf(w, "Exit codes: 0 all ok, 1 some runs failed, 2 usage or spec error, 130 interrupted.\n")
}

// version describes the binary: module version, VCS revision, Go version
// and the BLAS backend in use.
func version() string {
	mod := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		mod = bi.Main.Version
	}
	return fmt.Sprintf("runexp %s, git %s, %s %s/%s, BLAS %s", mod, gitRevision(), runtime.Version(), runtime.GOOS, runtime.GOARCH, blasbackend.Describe())
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stderr)
		return 2
	case args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && len(args) == 1):
		usage(stdout)
		return 0
	case args[0] == "--version" || args[0] == "-version" || args[0] == "version":
		fmt.Fprintln(stdout, version())
		return 0
	case args[0] == "help":
		// runexp help CMD: that command's usage, on stdout.
		if len(args) > 2 {
			fmt.Fprintf(stderr, "runexp help: one command at a time\n")
			return 2
		}
		args = []string{args[1], "--help"}
		stderr = stdout
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			case errors.As(err, new(specError)):
				fmt.Fprintf(stderr, "runexp %s: %v\n", c.name, err)
				return 2
			default:
				fmt.Fprintf(stderr, "runexp %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(stderr, "runexp: unknown command %q", args[0])
	if best := spec.Closest(args[0], names); best != "" {
		fmt.Fprintf(stderr, "; did you mean %q?", best)
	}
	fmt.Fprintf(stderr, "\n\n")
	usage(stderr)
	return 2
}

// errUsage marks an error already reported by a flag set.
var errUsage = errors.New("usage")

// specError marks an error in a spec or in the command line's choices
// (exit code 2, like a usage error), as opposed to a failed run (1).
type specError struct{ err error }

func (e specError) Error() string { return e.err.Error() }
func (e specError) Unwrap() error { return e.err }

// newFlags returns a flag set that prints its usage with a synopsis.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: runexp %s\n\nFlags:\n", synopsis)
		printFlags(fs)
	}
	return fs
}

// printFlags lists fs's flags as the README writes them: single-letter
// flags with one dash (-j), the others with two (--db).
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		name, use := flag.UnquoteUsage(f)
		line := "  " + dash + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(use, "\n", "\n    \t"))
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "[]" && !strings.Contains(use, "(default") {
			if name == "string" {
				d = fmt.Sprintf("%q", d)
			}
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}

// parse parses flags, mapping flag errors to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
