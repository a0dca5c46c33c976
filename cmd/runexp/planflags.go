package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"nmfbench/internal/spec"
	"nmfbench/methods"
	"nmfbench/results"
)

// planFlags are the flags that select and adjust a spec's plan, shared by
// run and status so that both compute the same configuration hashes.
type planFlags struct {
	datasets, methods, methodNames string
	seeds                          int
	sets                           listFlag
}

func addPlanFlags(fs *flag.FlagSet) *planFlags {
	p := &planFlags{}
	fs.StringVar(&p.datasets, "datasets", "", "comma-separated subset of the spec's datasets")
	fs.StringVar(&p.methods, "methods", "", "comma-separated row labels to run, exactly (NMF is not NMF (KL)); an entry's label selects all its sweep points")
	fs.StringVar(&p.methodNames, "method-names", "", "comma-separated registered method names: every row of those methods")
	fs.IntVar(&p.seeds, "seeds", 0, "only the first N repetitions of the spec (0: all)")
	fs.Var(&p.sets, "set", "override a parameter, LABEL.param=value (or METHOD.param=value for all its rows); repeatable; enters the configuration hash like a spec edit")
	return p
}

// load reads the spec at path and applies the --set overrides; the body
// returned is the one to store and hash (the file with the overrides
// appended as comments).
func (p *planFlags) load(path string) (*spec.Spec, []byte, error) {
	if p.seeds < 0 || p.seeds > spec.MaxSeeds {
		return nil, nil, fmt.Errorf("--seeds %d: must be in [0, %d] (0: all the spec's repetitions)", p.seeds, spec.MaxSeeds)
	}
	var overrides []spec.Override
	for _, v := range p.sets {
		o, err := spec.ParseOverride(v)
		if err != nil {
			return nil, nil, err
		}
		overrides = append(overrides, o)
	}
	s, body, err := spec.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Apply(overrides); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, spec.WithOverrides(body, overrides), nil
}

// expand loads the spec at path (with the overrides) and expands it with
// the dataset identities of src, applying the filters; spec and filter
// errors are specErrors (exit code 2).
func (p *planFlags) expand(path string, src *dataSource) (*spec.Spec, []byte, *spec.Plan, error) {
	s, body, err := p.load(path)
	if err != nil {
		return nil, nil, nil, specError{err}
	}
	plan, err := s.Expand(methods.Default, src.Identity, p.filter())
	if err != nil {
		return nil, nil, nil, specError{fmt.Errorf("%s: %w", path, err)}
	}
	return s, body, plan, nil
}

func (p *planFlags) filter() spec.Filter {
	return spec.Filter{Datasets: splitList(p.datasets), Methods: splitList(p.methods), MethodNames: splitList(p.methodNames), Seeds: p.seeds}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return fmt.Sprint([]string(*l)) }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// storedStatus returns, per configuration hash, the status of the runs the
// databases hold (ok wins over failed), reading each read-only. A database
// that does not exist holds nothing.
func storedStatus(ctx context.Context, dbs []string) (map[string]string, error) {
	stored := map[string]string{}
	for _, p := range dbs {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		st, err := results.OpenReadOnly(p)
		if err != nil {
			return nil, err
		}
		runs, err := st.Runs(ctx, results.Query{})
		st.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, r := range runs {
			if stored[r.ConfigHash] != results.StatusOK {
				stored[r.ConfigHash] = r.Status
			}
		}
	}
	return stored, nil
}

// dryRun prints the plan as a table, one run per line with whether db
// already holds it (ok, failed: retried, or missing), and a summary on
// stderr.
func dryRun(ctx context.Context, plan *spec.Plan, db string, stdout, stderr io.Writer) error {
	stored, err := storedStatus(ctx, []string{db})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tROW\tREP\tSEED\tSTORED\tCONFIG\tPREPROCESS\tPARAMS")
	var n = map[string]int{}
	for _, r := range plan.Runs {
		st := stored[r.ConfigHash]
		switch st {
		case results.StatusOK:
		case results.StatusFailed:
			st = "failed (rerun)"
		default:
			st = "missing"
		}
		n[st]++
		labels := make([]string, len(r.Labels))
		for i, l := range r.Labels {
			labels[i] = l.Name
		}
		pre := strings.Join(r.Preprocess, ",")
		if pre == "" {
			pre = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", r.Dataset, strings.Join(labels, " = "), r.Rep, r.Seed, st, r.ConfigHash[:12], pre, r.Method.ParamsJSON())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dry run: %d runs planned: %d stored ok, %d failed (to rerun), %d missing in %s\n",
		len(plan.Runs), n[results.StatusOK], n["failed (rerun)"], n["missing"], db)
	return nil
}
