// Package runner executes a plan of runs on a pool of workers: each run fits
// its method, clusters the embedding with k-means, scores the clustering and
// writes everything to the results store in one transaction. Runs are
// started longest expected first (schedule.go), so that the workers stay
// busy to the end.
//
// Runs already stored with status ok (same configuration hash) are skipped,
// so an interrupted plan resumes where it stopped. Every random choice of a
// run is drawn from streams seeded by the run's own seed, so results do not
// depend on the number of workers or the order of execution. Cancelling the
// context stops the pool: runs in flight are abandoned, not stored.
//
// With Options.Claim, several processes may run plans into one database at
// once (on one host): each claims a run in the store before computing it,
// skips the runs another process stored meanwhile, and waits for the runs
// another live process holds, taking them over when that process dies (see
// results.Claimer). With Options.Timeout, a run that takes longer is
// cancelled and stored as failed ("timed out after D").
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/kmeans"
	"nmfbench/internal/spec"
	"nmfbench/methods"
	"nmfbench/metrics"
	"nmfbench/results"
)

// DataSource loads and preprocesses datasets by name.
type DataSource interface {
	// Load returns the named raw dataset.
	Load(ctx context.Context, name string) (*datasets.Dataset, error)
	// Preprocess applies the named steps, returning a new dataset.
	Preprocess(d *datasets.Dataset, steps []string) (*datasets.Dataset, error)
	// Identity returns a string that changes whenever the dataset's content does.
	Identity(name string) (string, error)
}

// Options configures Execute.
type Options struct {
	Workers    int            // parallel runs; ≤ 0 means 1
	Store      *results.Store // where runs are written
	Data       DataSource
	Log        io.Writer // progress output (nil: discarded)
	Terminal   bool      // Log is a terminal: redraw one progress line
	SpecName   string
	SpecHash   string
	Provenance results.Provenance // static part: revision, Go version, BLAS, host
	Now        func() time.Time   // clock (nil: time.Now)
	// SaveRetries is how often a save that finds the database busy or locked
	// is retried with back-off (0: 4).
	SaveRetries int
	// PlanOrder runs the plan in its own order instead of longest expected
	// first (see schedule.go); results are the same either way.
	PlanOrder bool
	// Claim makes this process claim every run in the store before computing
	// it (results.Claimer), so that several processes running into one
	// database split the work instead of each computing every run.
	Claim bool
	// LeaseTTL is the lifetime of an unrenewed claim (0:
	// results.DefaultLeaseTTL); claims are renewed every third of it.
	LeaseTTL time.Duration
	// ClaimPoll is how often runs held by other processes are looked at
	// again (0: 2 s).
	ClaimPoll time.Duration
	// Timeout limits each run (fit, k-means, scoring); 0: no limit. A run
	// past it is cancelled and stored as failed, "timed out after D".
	Timeout time.Duration
	// TimeoutGrace is how long a timed-out run's method is waited for to
	// notice the cancellation before the worker leaves it running in the
	// background and moves on (0: 10 s).
	TimeoutGrace time.Duration
}

// Summary counts what Execute did.
type Summary struct {
	Planned, Skipped, OK, Failed, Abandoned int
	// Unsaved counts runs that were computed but could not be stored (the
	// database was locked for too long, the disk full, …); they are redone
	// by the next run of the spec.
	Unsaved int
	// Elsewhere counts runs another process sharing the database (Claim)
	// computed and stored while this one ran.
	Elsewhere int
	Elapsed   time.Duration
}

// Streams of a run's seed: one for the method, one for k-means.
const (
	streamMethod = 0x6e6d66626d657468 // "nmfbmeth"
	streamKMeans = 0x6e6d66626b6d6e73 // "nmfbkmns"
)

type prepared struct {
	data *datasets.Dataset
	key  string
}

// Execute runs the plan's runs that are not already stored.
func Execute(ctx context.Context, plan *spec.Plan, opt Options) (Summary, error) {
	start := time.Now()
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Workers <= 0 {
		opt.Workers = 1
	}
	sum := Summary{Planned: len(plan.Runs)}
	done, err := opt.Store.Completed(ctx)
	if err != nil {
		return sum, fmt.Errorf("read completed runs: %w", err)
	}
	var todo []spec.Run
	for _, r := range plan.Runs {
		if done[r.ConfigHash] {
			sum.Skipped++
		} else {
			todo = append(todo, r)
		}
	}
	if sum.Skipped > 0 {
		fmt.Fprintf(opt.Log, "%d of %d runs already stored; %d to do\n", sum.Skipped, sum.Planned, len(todo))
	}
	// The labels every planned run is reported under, stored runs included:
	// a renamed row takes its runs along without recomputing them.
	var labels []results.LabelEntry
	for _, r := range plan.Runs {
		for _, l := range r.Labels {
			labels = append(labels, results.LabelEntry{ConfigHash: r.ConfigHash, Label: l.Name, SweepParam: l.SweepParam, SweepValue: l.SweepValue})
		}
	}
	if err := opt.Store.SetLabels(ctx, labels); err != nil {
		return sum, err
	}
	// Load and preprocess every dataset the remaining runs need, once.
	data := map[string]prepared{}
	for _, r := range todo {
		key := dataKey(r)
		if _, ok := data[key]; ok {
			continue
		}
		raw, err := opt.Data.Load(ctx, r.Dataset)
		if err != nil {
			return sum, err
		}
		d, err := opt.Data.Preprocess(raw, r.Preprocess)
		if err != nil {
			return sum, fmt.Errorf("dataset %s: %w", r.Dataset, err)
		}
		ident, err := opt.Data.Identity(r.Dataset)
		if err != nil {
			return sum, err
		}
		data[key] = prepared{d, ident + "|" + datasets.PreprocessKey(r.Preprocess)}
		if err := opt.Store.SaveDataset(ctx, results.DatasetInfo{Name: r.Dataset, Samples: d.Samples(), Features: d.Features(),
			Classes: d.Classes, Height: d.Height, Width: d.Width}); err != nil {
			return sum, err
		}
	}

	// Longest expected first, so that every worker stays busy to the end.
	measured, err := opt.Store.Seconds(ctx)
	if err != nil {
		return sum, err
	}
	shapes := map[string]Shape{}
	for _, r := range todo {
		d := data[dataKey(r)].data
		shapes[r.Dataset] = Shape{Samples: d.Samples(), Features: d.Features(), Classes: d.Classes}
	}
	est := Estimates(todo, measured, shapes)
	costs := make([]float64, len(est))
	var nMeasured int
	for i, e := range est {
		costs[i] = e.Seconds
		if e.Measured {
			nMeasured++
		}
	}
	order := LongestFirst(costs)
	if opt.PlanOrder {
		for i := range order {
			order[i] = i
		}
	}
	if len(todo) > 0 {
		fmt.Fprintf(opt.Log, "expected wall time ~%s on %d worker(s) (%d runs timed from the store, %d from the cost model); order: %s\n",
			fmtSecs(SimulateLongestFirst(costs, opt.Workers)), opt.Workers, nMeasured, len(todo)-nMeasured,
			map[bool]string{false: "longest first", true: "plan order"}[opt.PlanOrder])
	}

	var claims *results.Claimer
	if opt.Claim {
		if claims, err = opt.Store.NewClaimer(ctx, results.ClaimOptions{TTL: opt.LeaseTTL, Now: opt.Now}); err != nil {
			return sum, err
		}
		// Claims of runs this process did not finish are given back, so that
		// another process sharing the database takes them at once.
		defer claims.ReleaseAll(context.WithoutCancel(ctx))
		stopBeat := heartbeat(ctx, claims)
		defer stopBeat()
	}
	poll := opt.ClaimPoll
	if poll <= 0 {
		poll = 2 * time.Second
	}

	memo := &methods.Memo{}
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	var deferred []int // runs another live process holds: asked again later
	// A failed save stops the scheduling of new runs: computing runs that
	// cannot be stored only loses work.
	stopFeed := make(chan struct{})
	var stopOnce sync.Once
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		stopOnce.Do(func() { close(stopFeed) })
	}
	prog := newProgress(opt.Log, opt.Terminal, costs, opt.Workers)
	prog.timeout = opt.Timeout
	var inflight sync.WaitGroup // jobs sent and not yet handled
	work := func(i int) {
		defer inflight.Done()
		if ctx.Err() != nil || isClosed(stopFeed) {
			return // cancelled or the store failed: start no new run, drain the queue
		}
		r := todo[i]
		if claims != nil {
			state, err := claimWithRetry(ctx, claims, r.ConfigHash, opt.SaveRetries)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil:
				fail(fmt.Errorf("could not claim run %s rep %d on %s (config %s) in %s: %w; no new runs were started, stored runs are kept, run the spec again to resume",
					r.Label, r.Rep, r.Dataset, r.ConfigHash[:12], opt.Store.Path(), err))
				return
			case state == results.Settled:
				prog.elsewhere(i)
				mu.Lock()
				sum.Elsewhere++
				mu.Unlock()
				return
			case state == results.HeldElsewhere:
				mu.Lock()
				deferred = append(deferred, i)
				mu.Unlock()
				return
			}
		}
		release := func() {
			if claims != nil {
				claims.Release(context.WithoutCancel(ctx), r.ConfigHash)
			}
		}
		p := data[dataKey(r)]
		prog.begin(i, fmt.Sprintf("%s %s rep %d", r.Dataset, r.Label, r.Rep))
		rec := executeTimed(ctx, r, p, memo, plan.Spec, opt)
		if ctx.Err() != nil && rec.Status == results.StatusFailed && errors.Is(rec.err, ctx.Err()) {
			prog.abandon(i)
			release()
			mu.Lock()
			sum.Abandoned++
			mu.Unlock()
			return
		}
		if err := saveWithRetry(ctx, opt.Store, &rec.Run, opt.SaveRetries); err != nil {
			mu.Lock()
			sum.Unsaved++
			mu.Unlock()
			fail(fmt.Errorf("could not store run %s rep %d on %s (config %s) in %s: %w; no new runs were started, stored runs are kept, run the spec again to resume",
				r.Label, r.Rep, r.Dataset, r.ConfigHash[:12], opt.Store.Path(), err))
			prog.abandon(i)
			release()
			return
		}
		if claims != nil {
			// Stored: a failed Done only lets a process started later
			// look at the run again, which finds it stored ok (or retries a
			// failed one, as it would anyway).
			claims.Done(context.WithoutCancel(ctx), r.ConfigHash)
		}
		mu.Lock()
		if rec.Status == results.StatusOK {
			sum.OK++
		} else {
			sum.Failed++
		}
		mu.Unlock()
		prog.done(i, &rec.Run, plan.Spec.Metrics)
	}
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				work(i)
			}
		}()
	}
	// Rounds: every run in schedule order, then, while other processes hold
	// some of the runs, those again every poll interval until each is
	// stored by its holder or taken over here (the holder died or gave up).
	rank := make([]int, len(todo))
	for k, i := range order {
		rank[i] = k
	}
	round := order
	waited := false
feed:
	for len(round) > 0 {
		for _, i := range round {
			inflight.Add(1)
			select {
			case <-ctx.Done():
				inflight.Done()
				break feed
			case <-stopFeed:
				inflight.Done()
				break feed
			case jobs <- i:
			}
		}
		inflight.Wait()
		mu.Lock()
		round, deferred = deferred, nil
		mu.Unlock()
		if len(round) == 0 {
			break
		}
		slices.SortFunc(round, func(a, b int) int { return rank[a] - rank[b] })
		if !waited {
			fmt.Fprintf(opt.Log, "%s%d run(s) are being computed by other processes sharing %s; waiting for them (taken over if their process dies)\n",
				prog.lineBreak(), len(round), opt.Store.Path())
			waited = true
		}
		prog.setWaiting(len(round))
		select {
		case <-ctx.Done():
			break feed
		case <-stopFeed:
			break feed
		case <-time.After(poll):
		}
	}
	close(jobs)
	wg.Wait()
	prog.setWaiting(0)
	prog.finish()
	sum.Elapsed = time.Since(start)
	if firstErr != nil {
		return sum, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("stopped: %w (completed runs are stored; run again to resume)", err)
	}
	return sum, nil
}

// heartbeat renews the claims every third of their lease until the returned
// function is called. A failed renewal is retried at the next beat (the
// lease outlasts two missed beats).
func heartbeat(ctx context.Context, c *results.Claimer) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.TTL() / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.Renew(context.WithoutCancel(ctx))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// claimWithRetry claims a run, retrying with back-off like saveWithRetry
// when the database is busy.
func claimWithRetry(ctx context.Context, c *results.Claimer, hash string, retries int) (results.ClaimState, error) {
	if retries <= 0 {
		retries = 4
	}
	wait := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		state, err := c.Claim(ctx, hash)
		if err == nil || attempt >= retries || !results.IsBusy(err) {
			return state, err
		}
		select {
		case <-ctx.Done():
			return state, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// saveWithRetry stores a run, retrying with back-off (0.5 s, 1 s, 2 s, …)
// when the database is busy or locked by another process; other errors (a
// full disk, a read-only file) are returned at once.
func saveWithRetry(ctx context.Context, st *results.Store, r *results.Run, retries int) error {
	if retries <= 0 {
		retries = 4
	}
	wait := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := st.Save(context.WithoutCancel(ctx), r)
		if err == nil || attempt >= retries || !results.IsBusy(err) {
			return err
		}
		time.Sleep(wait)
		wait *= 2
	}
}

// dataKey identifies a dataset with its preprocessing within a plan.
func dataKey(r spec.Run) string {
	return strings.ToLower(r.Dataset) + "|" + datasets.PreprocessKey(r.Preprocess)
}

type record struct {
	results.Run
	err error
}

// errTimedOut is the cancellation cause of a run past Options.Timeout.
var errTimedOut = errors.New("run timed out")

// executeTimed is execute under Options.Timeout: past it the run's context
// is cancelled and the run becomes a failed one, "timed out after D". A
// method that does not return within TimeoutGrace of the cancellation is
// left running in the background (its result is discarded), so that a
// stuck method never holds a worker.
func executeTimed(ctx context.Context, r spec.Run, p prepared, memo *methods.Memo, s *spec.Spec, opt Options) record {
	if opt.Timeout <= 0 {
		return execute(ctx, r, p, memo, s, opt)
	}
	grace := opt.TimeoutGrace
	if grace <= 0 {
		grace = 10 * time.Second
	}
	rctx, cancel := context.WithTimeoutCause(ctx, opt.Timeout, errTimedOut)
	defer cancel()
	started := opt.Now()
	out := make(chan record, 1)
	go func() { out <- execute(rctx, r, p, memo, s, opt) }()
	var rec record
	select {
	case rec = <-out:
	case <-rctx.Done():
		select {
		case rec = <-out:
		case <-time.After(grace):
			rec = record{Run: results.Run{
				ConfigHash: r.ConfigHash, SpecName: opt.SpecName, SpecHash: opt.SpecHash,
				Dataset: r.Dataset, Method: r.Method.Name, Label: r.Label, Version: r.Method.Version, Params: r.Method.ParamsJSON(),
				Preprocess: strings.Join(r.Preprocess, ","), Rep: r.Rep, Seed: r.Seed, Objective: math.NaN(),
				Provenance: opt.Provenance, Status: results.StatusFailed, Protocol: r.Protocol, KMeans: r.KMeansOr(s.KMeans).JSON(),
			}, err: context.Cause(rctx)}
			if len(r.Labels) > 0 {
				rec.SweepParam, rec.SweepValue = r.Labels[0].SweepParam, r.Labels[0].SweepValue
			}
			rec.Provenance.Started, rec.Provenance.Finished = started, opt.Now()
			rec.FitSeconds = rec.Provenance.Finished.Sub(started).Seconds()
			if ctx.Err() == nil {
				rec.Error = fmt.Sprintf("%s on %s: timed out after %s (the method did not stop within %s of the cancellation and was left running)",
					r.Label, r.Dataset, opt.Timeout, grace)
			} else {
				rec.err = ctx.Err()
			}
			return rec
		}
	}
	if rec.Status == results.StatusFailed && ctx.Err() == nil && errors.Is(context.Cause(rctx), errTimedOut) {
		rec.Error = fmt.Sprintf("%s on %s: timed out after %s", r.Label, r.Dataset, opt.Timeout)
		rec.err = fmt.Errorf("%s: %w", rec.Error, errTimedOut)
	}
	return rec
}

// execute fits, clusters and scores one run. It never panics on a method's
// behalf: a panic inside the method becomes a failed run.
func execute(ctx context.Context, r spec.Run, p prepared, memo *methods.Memo, s *spec.Spec, opt Options) (rec record) {
	rec.Run = results.Run{
		ConfigHash: r.ConfigHash, SpecName: opt.SpecName, SpecHash: opt.SpecHash,
		Dataset: r.Dataset, Method: r.Method.Name, Label: r.Label, Version: r.Method.Version, Params: r.Method.ParamsJSON(),
		Preprocess: strings.Join(r.Preprocess, ","), Rep: r.Rep, Seed: r.Seed, Objective: math.NaN(),
		Provenance: opt.Provenance, Protocol: r.Protocol, KMeans: r.KMeansOr(s.KMeans).JSON(),
	}
	rec.Provenance.Started = opt.Now()
	fail := func(err error) record {
		rec.Status, rec.Error, rec.err = results.StatusFailed, err.Error(), err
		rec.Provenance.Finished = opt.Now()
		return rec
	}
	defer func() {
		if v := recover(); v != nil {
			rec = fail(fmt.Errorf("method %s panicked: %v", r.Method.Name, v))
		}
	}()
	if len(r.Labels) > 0 {
		rec.SweepParam, rec.SweepValue = r.Labels[0].SweepParam, r.Labels[0].SweepValue
	}
	d := p.data
	if rk, ok := r.Method.Params["rank"].(float64); ok && int(rk) > min(d.Samples(), d.Features()) {
		return fail(fmt.Errorf("%s on %s: rank %d exceeds min(samples, features) = min(%d, %d); a factorization rank must be at most that",
			r.Label, r.Dataset, int(rk), d.Samples(), d.Features()))
	}
	fitStart := time.Now()
	prob := &methods.Problem{
		Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(r.Seed, streamMethod)),
		Memo: memo, DataKey: p.key, Threads: max(1, runtime.GOMAXPROCS(0)/max(1, opt.Workers)),
	}
	res, err := r.Method.Fit(ctx, prob)
	rec.FitSeconds = time.Since(fitStart).Seconds()
	if err != nil {
		return fail(fmt.Errorf("%s on %s: %w", r.Label, r.Dataset, err))
	}
	if err := checkEmbedding(res.Embedding, d.Samples()); err != nil {
		return fail(fmt.Errorf("%s on %s: %w", r.Label, r.Dataset, err))
	}
	if err := res.CheckTrace(); err != nil {
		return fail(fmt.Errorf("%s on %s: method %s broke the trace convention: %w", r.Label, r.Dataset, r.Method.Name, err))
	}
	rec.Iterations, rec.Converged = res.Iterations, res.Converged()
	if n := len(res.Objective); n > 0 {
		rec.Trace, rec.TraceSecs = res.Objective, res.Seconds
		rec.Objective = res.Objective[n-1]
	}
	if r.Rep < *s.KeepFactors {
		for _, name := range slices.Sorted(maps.Keys(res.Factors)) {
			f := res.Factors[name]
			rows, cols := f.Dims()
			data := make([]float64, 0, rows*cols)
			for i := 0; i < rows; i++ {
				data = append(data, f.RawRowView(i)...)
			}
			rec.Factors = append(rec.Factors, results.Factor{Name: name, Rows: rows, Cols: cols, Data: data})
		}
	}
	kmStart := time.Now()
	kmo := r.KMeansOr(s.KMeans) // the method entry's k-means stage, else the spec's
	km, err := kmeans.Cluster(ctx, res.Embedding, kmeans.Options{
		K: d.Classes, Replicates: kmo.Replicates, MaxIter: kmo.MaxIter, Tol: kmo.Tol,
	}, rand.New(rand.NewPCG(r.Seed, streamKMeans)))
	rec.KmSeconds = time.Since(kmStart).Seconds()
	if err != nil {
		return fail(fmt.Errorf("k-means on the %s embedding of %s: %w", r.Label, r.Dataset, err))
	}
	scores, err := metrics.Evaluate(d.Labels, km.Labels)
	if err != nil {
		return fail(fmt.Errorf("scoring %s on %s: %w", r.Label, r.Dataset, err))
	}
	rec.Metrics = scores
	rec.Labels = km.Labels
	rec.Status = results.StatusOK
	rec.Provenance.Finished = opt.Now()
	return rec
}

// checkEmbedding rejects embeddings that would silently corrupt the tables.
func checkEmbedding(e *mat.Dense, n int) error {
	if e == nil {
		return fmt.Errorf("method returned no embedding")
	}
	r, c := e.Dims()
	if r != n || c < 1 {
		return fmt.Errorf("embedding is %d×%d; want %d rows (one per sample)", r, c, n)
	}
	for i := 0; i < r; i++ {
		for j, v := range e.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("embedding entry (%d,%d) is %v (numerical breakdown)", i, j, v)
			}
		}
	}
	return nil
}
