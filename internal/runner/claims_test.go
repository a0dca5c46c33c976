package runner

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/spec"
	"nmfbench/methods"
	"nmfbench/results"
)

type modeParams struct {
	Mode string `yaml:"mode" doc:"behaviour"`
}

// behaveRegistry has one method S whose fit is chosen by its mode: "slow"
// waits a little (so that two pools overlap) and succeeds, "wait" waits on
// its context for up to a minute, "stuck" ignores its context for stuck
// seconds. before, when set, is called at the start of every fit.
func behaveRegistry(calls *atomic.Int64, before func(), stuckEnded *atomic.Bool) *methods.Registry {
	r := &methods.Registry{}
	methods.RegisterIn(r, methods.Definition[modeParams]{Name: "S", Summary: "test", Version: 1, Defaults: modeParams{Mode: "slow"},
		Fit: func(ctx context.Context, p *methods.Problem, prm modeParams) (*methods.Result, error) {
			calls.Add(1)
			if before != nil {
				before()
			}
			switch prm.Mode {
			case "slow", "slow2":
				time.Sleep(15 * time.Millisecond)
			case "wait":
				select {
				case <-ctx.Done():
					return nil, methods.CheckContext(ctx, 7)
				case <-time.After(time.Minute):
				}
			case "stuck":
				time.Sleep(3 * time.Second)
				stuckEnded.Store(true)
			}
			n, _ := p.Data.X.Dims()
			e := mat.NewDense(n, 2, nil)
			for i := range e.RawMatrix().Data {
				e.RawMatrix().Data[i] = p.RNG.Float64()
			}
			return &methods.Result{Embedding: e}, nil
		}})
	return r
}

const claimSpec = `name: claims
seed: 5
seeds: 10
kmeans: {replicates: 1}
datasets: [{name: synthetic}]
methods:
  - method: S
  - {label: S2, method: S, params: {mode: slow2}}
`

// TestTwoProcessesRunEachConfigurationOnce: two pools, each with its own
// store handle on one database file (as two runexp processes would have),
// run the same plan at the same time; every configuration is fitted
// exactly once, both pools share the work, and the database ends with
// every run stored ok.
func TestTwoProcessesRunEachConfigurationOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var callsA, callsB atomic.Int64
	startedA, startedB := make(chan struct{}), make(chan struct{})
	// Every fit of a pool waits (at most 10 s) until the other pool has
	// begun one, so that neither finishes the plan before the other starts.
	meet := func(mine, other chan struct{}) func() {
		var once sync.Once
		return func() {
			once.Do(func() { close(mine) })
			select {
			case <-other:
			case <-time.After(10 * time.Second):
			}
		}
	}
	pa := plan(t, claimSpec, behaveRegistry(&callsA, meet(startedA, startedB), nil))
	pb := plan(t, claimSpec, behaveRegistry(&callsB, meet(startedB, startedA), nil))
	n := len(pa.Runs)
	var sums [2]Summary
	var errs [2]error
	var wg sync.WaitGroup
	for k, pl := range []*spec.Plan{pa, pb} {
		st, err := results.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[k], errs[k] = Execute(context.Background(), pl, Options{Workers: 2, Store: st, Data: synthSource{}, Claim: true, ClaimPoll: 20 * time.Millisecond})
		}()
	}
	wg.Wait()
	for k := range errs {
		if errs[k] != nil {
			t.Fatalf("pool %d: %v", k, errs[k])
		}
	}
	a, b := callsA.Load(), callsB.Load()
	if a+b != int64(n) || a == 0 || b == 0 {
		t.Fatalf("fits: %d + %d for %d configurations; want each configuration once, shared by both pools", a, b, n)
	}
	if sums[0].OK+sums[1].OK != n || sums[0].OK != int(a) || sums[1].OK != int(b) {
		t.Fatalf("summaries %+v and %+v: ok counts do not match the fits %d, %d", sums[0], sums[1], a, b)
	}
	st, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := byHash(t, st)
	if len(stored) != n {
		t.Fatalf("%d runs stored, want %d", len(stored), n)
	}
	for _, r := range pa.Runs {
		if s, ok := stored[r.ConfigHash]; !ok || s.Status != results.StatusOK {
			t.Fatalf("run %s %s rep %d not stored ok", r.Dataset, r.Label, r.Rep)
		}
	}
	// The same results as one pool alone: claiming changes who computes, not what.
	var calls atomic.Int64
	single := openStore(t)
	if _, err := Execute(context.Background(), plan(t, claimSpec, behaveRegistry(&calls, nil, nil)), Options{Workers: 1, Store: single, Data: synthSource{}}); err != nil {
		t.Fatal(err)
	}
	for h, r := range byHash(t, single) {
		if got := stored[h]; got.Metrics["acc"] != r.Metrics["acc"] || got.Metrics["nmi_geometric"] != r.Metrics["nmi_geometric"] {
			t.Fatalf("run %s: shared-database scores %v differ from a single pool's %v", h, got.Metrics, r.Metrics)
		}
	}
}

// TestClaimsOfOthers: a run another live process holds is waited for and
// skipped once that process stores it; a run whose holder stopped renewing
// its lease is taken over when the lease expires.
func TestClaimsOfOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx := context.Background()
	mine, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	other, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var calls atomic.Int64
	p := plan(t, claimSpec, behaveRegistry(&calls, nil, nil))
	live, err := other.NewClaimer(ctx, results.ClaimOptions{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	dying, err := other.NewClaimer(ctx, results.ClaimOptions{TTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	held, expired := p.Runs[0], p.Runs[1]
	for _, c := range []struct {
		cl   *results.Claimer
		hash string
	}{{live, held.ConfigHash}, {dying, expired.ConfigHash}} {
		if s, err := c.cl.Claim(ctx, c.hash); err != nil || s != results.Claimed {
			t.Fatalf("setup claim: %v %v", s, err)
		}
	}
	// The live holder stores its run a little later.
	go func() {
		time.Sleep(400 * time.Millisecond)
		r := results.Run{ConfigHash: held.ConfigHash, SpecName: "claims", SpecHash: "x", Dataset: held.Dataset, Method: "S",
			Label: held.Label, Params: held.Method.ParamsJSON(), Rep: held.Rep, Seed: held.Seed, Status: results.StatusOK,
			Metrics: map[string]float64{"acc": 1}}
		if err := other.Save(ctx, &r); err == nil {
			live.Done(ctx, held.ConfigHash)
		}
	}()
	var log bytes.Buffer
	sum, err := Execute(ctx, p, Options{Workers: 2, Store: mine, Data: synthSource{}, Log: &log, Claim: true, ClaimPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Elsewhere != 1 || sum.OK != len(p.Runs)-1 || calls.Load() != int64(len(p.Runs)-1) {
		t.Fatalf("summary %+v after %d fits; want the held run stored by its holder, every other run (the expired one included) here", sum, calls.Load())
	}
	if !strings.Contains(log.String(), "being computed by other processes") {
		t.Errorf("log does not say it waits for other processes:\n%s", log.String())
	}
	stored := byHash(t, mine)
	if len(stored) != len(p.Runs) || stored[held.ConfigHash].Metrics["acc"] != 1 || stored[expired.ConfigHash].Status != results.StatusOK {
		t.Fatalf("%d runs stored; the held run must be its holder's, the expired one computed here", len(stored))
	}
}

// TestRunTimeout: a run past the timeout is cancelled and stored as failed,
// "timed out after D"; a method that ignores the cancellation is left
// behind after the grace period and the worker goes on with the next run.
func TestRunTimeout(t *testing.T) {
	var calls atomic.Int64
	var stuckEnded atomic.Bool
	body := `name: timeout
seeds: 1
kmeans: {replicates: 1}
datasets: [{name: synthetic}]
methods:
  - {label: W, method: S, params: {mode: wait}}
  - {label: X, method: S, params: {mode: stuck}}
  - {label: Q, method: S, params: {mode: slow}}
`
	p := plan(t, body, behaveRegistry(&calls, nil, &stuckEnded))
	st := openStore(t)
	sum, err := Execute(context.Background(), p, Options{Workers: 1, Store: st, Data: synthSource{}, PlanOrder: true,
		Timeout: 150 * time.Millisecond, TimeoutGrace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if stuckEnded.Load() {
		t.Fatal("the pool waited for the stuck method instead of leaving it behind")
	}
	if sum.Failed != 2 || sum.OK != 1 {
		t.Fatalf("summary %+v; want W and X failed (timed out), Q ok", sum)
	}
	for _, r := range byHash(t, st) {
		switch r.Label {
		case "W":
			if r.Status != results.StatusFailed || r.Error != "W on synthetic: timed out after 150ms" {
				t.Errorf("W: %s %q", r.Status, r.Error)
			}
		case "X":
			if r.Status != results.StatusFailed || !strings.HasPrefix(r.Error, "X on synthetic: timed out after 150ms (the method did not stop") {
				t.Errorf("X: %s %q", r.Status, r.Error)
			}
		case "Q":
			if r.Status != results.StatusOK {
				t.Errorf("Q: %s %q; the run after the timed-out ones must be unaffected", r.Status, r.Error)
			}
		}
	}
	// A timed-out run is retried like any failed run.
	sum, err = Execute(context.Background(), p, Options{Workers: 1, Store: st, Data: synthSource{}, Timeout: 150 * time.Millisecond, TimeoutGrace: 100 * time.Millisecond})
	if err != nil || sum.Skipped != 1 || sum.Failed != 2 {
		t.Fatalf("second pass %+v %v: want Q skipped, W and X retried", sum, err)
	}
}

// syncBuffer is a bytes.Buffer safe for the progress ticker and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestProgressRedrawsWhileRunning: with a run in flight and nothing
// finishing, the terminal line is redrawn on its own (at least once a
// second), its clock moves and it shows the run in flight with its limit.
func TestProgressRedrawsWhileRunning(t *testing.T) {
	if redrawEvery > time.Second {
		t.Fatalf("redrawEvery = %v; the line must be redrawn at least once a second", redrawEvery)
	}
	var w syncBuffer
	p := newProgress(&w, true, []float64{5, 5}, 1)
	p.timeout = 90 * time.Second
	p.begin(0, "COIL20 GNMF rep 3")
	began := strings.Count(w.String(), "\r")
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(w.String(), "\r") < began+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	p.finish()
	s := w.String()
	if n := strings.Count(s, "\r"); n < began+2 {
		t.Fatalf("%d redraws after the run began, want at least 2 without any event: %q", n-began, s)
	}
	if !strings.Contains(s, "running: COIL20 GNMF rep 3 ") || !strings.Contains(s, "/~5.0s, limit 1m30s") {
		t.Errorf("line does not show the run in flight with its expected time and limit: %q", s)
	}
}
