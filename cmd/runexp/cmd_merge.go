package main

import (
	"context"
	"fmt"
	"io"

	"nmfbench/results"
)

// cmdMerge unions results databases (the shards of a grid, say) into a new
// one; the rule for runs several inputs hold is results.Merge's: ok beats
// failed, then the later finished_at, then the first input on the command
// line. OUT must not be an input; an existing OUT is replaced only with
// --force, and only once the merge is complete (written beside it, renamed).
func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", "merge -o OUT.db [--force] IN.db…", stderr)
	out := fs.String("o", "", "output database (written to a temporary file beside it, then renamed)")
	force := fs.Bool("force", false, "replace OUT when it exists (it may not be one of the inputs)")
	if err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	st, err := results.Merge(ctx, *out, fs.Args(), results.MergeOptions{Force: *force})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d database(s) into %s: %d runs\n", st.Inputs, *out, st.Runs)
	fmt.Fprintf(stdout, "runs in more than one input: %d ok over failed, %d later finished_at kept, %d identical duplicates (first input kept)\n",
		st.OKOverFailed, st.Later, st.Duplicates)
	if st.ReferenceConflicts > 0 || st.DatasetConflicts > 0 {
		fmt.Fprintf(stdout, "differing rows (first input kept): %d reference values, %d dataset descriptions\n", st.ReferenceConflicts, st.DatasetConflicts)
	}
	return nil
}
