package runner

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"nmfbench/metrics"
	"nmfbench/results"
)

// estimator predicts the remaining wall time of a pool from the expected
// cost of every job (seconds of one worker, see Estimates) and the
// throughput measured so far:
//
//	work      = Σ expected cost of the finished jobs
//	          + Σ over running jobs of min(expected cost, seconds running)
//	rate      = work / elapsed          (expected seconds per wall second;
//	                                     the worker count before any work)
//	left(j)   = expected cost of a queued job j; for a running one, its
//	            expected cost minus its running time, but at least 10 % of
//	            its running time (an overdue job is not assumed about to end)
//	ETA       = max(Σ left / rate,
//	                max left(j) / (rate / workers))
//
// The second term is the tail: the last long job runs on one worker however
// many are free. A count-based ETA (elapsed / done × left) would be far off
// with longest-first scheduling, where the first runs are the longest.
type estimator struct {
	costs   []float64
	workers int
	start   time.Time
	work    float64           // expected cost of the finished jobs
	done    map[int]bool      // finished jobs
	running map[int]time.Time // running jobs and when they started
}

func newEstimator(costs []float64, workers int, start time.Time) *estimator {
	return &estimator{costs: costs, workers: max(workers, 1), start: start, done: map[int]bool{}, running: map[int]time.Time{}}
}

func (e *estimator) begin(i int, t time.Time) { e.running[i] = t }

func (e *estimator) finish(i int) {
	delete(e.running, i)
	if !e.done[i] {
		e.done[i] = true
		e.work += e.costs[i]
	}
}

// eta returns the expected remaining wall time at now.
func (e *estimator) eta(now time.Time) time.Duration {
	work := e.work
	var left, tail float64
	for i, c := range e.costs {
		if e.done[i] {
			continue
		}
		l := c
		if t, ok := e.running[i]; ok {
			run := max(now.Sub(t).Seconds(), 0)
			work += min(c, run)
			l = max(c-run, 0.1*run)
		}
		left += l
		tail = max(tail, l)
	}
	if left <= 0 {
		return 0
	}
	rate := float64(e.workers)
	if elapsed := now.Sub(e.start).Seconds(); work > 0 && elapsed > 0 {
		rate = work / elapsed
	}
	secs := max(left/rate, tail/(rate/float64(e.workers)))
	return time.Duration(secs * float64(time.Second))
}

// progress reports the pool's state: on a terminal one line redrawn at least
// once a second (done/total, failures, elapsed, cost-weighted ETA, the runs
// in flight with their running time, expected time and limit); otherwise
// one log line per finished run, and every logEvery a line listing the runs
// in flight (so that a log file shows a run that takes long). Its methods
// are safe for concurrent use.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	total    int
	n, fails int
	start    time.Time
	now      func() time.Time
	est      *estimator
	flying   map[int]flight
	last     string
	stop     chan struct{}
	stopped  sync.WaitGroup
	timeout  time.Duration // per-run limit shown beside the runs in flight (0: none)
	others   int           // runs stored by other processes sharing the database
	waiting  int           // runs other live processes hold, waited for
}

type flight struct {
	what    string
	started time.Time
}

// redrawEvery is the terminal line's refresh period; logEvery the period of
// the runs-in-flight line in a log.
const (
	redrawEvery = 500 * time.Millisecond
	logEvery    = time.Minute
)

func newProgress(w io.Writer, terminal bool, costs []float64, workers int) *progress {
	now := time.Now
	p := &progress{w: w, terminal: terminal, total: len(costs), start: now(), now: now, flying: map[int]flight{}}
	p.est = newEstimator(costs, workers, p.start)
	if len(costs) > 0 {
		every := logEvery
		if terminal {
			every = redrawEvery
		}
		p.stop = make(chan struct{})
		p.stopped.Add(1)
		go func() {
			defer p.stopped.Done()
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-t.C:
					p.mu.Lock()
					if p.terminal {
						p.redraw()
					} else if len(p.flying) > 0 {
						fmt.Fprintf(p.w, "[%d/%d] elapsed %s · running: %s\n", p.n, p.total, p.now().Sub(p.start).Round(time.Second), p.inFlight(p.now()))
					}
					p.mu.Unlock()
				}
			}
		}()
	}
	return p
}

// elsewhere records that job i was stored by another process.
func (p *progress) elsewhere(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.others++
	p.est.finish(i)
	p.est.work -= p.est.costs[i] // not work of this pool: leave the rate alone
	if p.terminal {
		p.redraw()
	}
}

// setWaiting records how many runs other processes hold and this one waits for.
func (p *progress) setWaiting(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiting = n
}

// lineBreak returns what ends the terminal line before a log line is
// written under it ("" when there is no terminal line).
func (p *progress) lineBreak() string {
	if p.terminal && p.total > 0 {
		return "\r\033[K"
	}
	return ""
}

// begin records that job i (a run described by what) started.
func (p *progress) begin(i int, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	p.est.begin(i, t)
	p.flying[i] = flight{what, t}
	if p.terminal {
		p.redraw()
	}
}

// abandon forgets job i (cancelled in flight: neither done nor stored).
func (p *progress) abandon(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.flying, i)
	delete(p.est.running, i)
}

// runSeconds is the time a run took: fit plus k-means, for every method
// (the Kmeans method's fit is trivial, its work is the k-means).
func runSeconds(r *results.Run) float64 { return r.FitSeconds + r.KmSeconds }

// done records that job i finished with run r (stored).
func (p *progress) done(i int, r *results.Run, cols metrics.Mapping) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if r.Status != results.StatusOK {
		p.fails++
	}
	delete(p.flying, i)
	p.est.finish(i)
	now := p.now()
	eta := p.est.eta(now)
	if p.terminal {
		p.last = fmt.Sprintf("%s %s rep %d %s", r.Dataset, r.Label, r.Rep, fmtSecs(runSeconds(r)))
		if r.Status != results.StatusOK {
			fmt.Fprintf(p.w, "\r\033[Kfailed: %s %s rep %d: %s\n", r.Dataset, r.Label, r.Rep, r.Error)
		}
		p.redraw()
		return
	}
	if r.Status != results.StatusOK {
		fmt.Fprintf(p.w, "[%d/%d] %s %s rep %d FAILED: %s\n", p.n, p.total-p.others, r.Dataset, r.Label, r.Rep, r.Error)
		return
	}
	var parts []string
	for _, c := range cols {
		parts = append(parts, fmt.Sprintf("%s %.4f", c.Name, r.Metrics[c.Field]))
	}
	fmt.Fprintf(p.w, "[%d/%d] %s %s rep %d: %s (%.2fs: fit %.2fs + k-means %.2fs, %d it) ETA %s\n", p.n, p.total-p.others, r.Dataset, r.Label, r.Rep,
		strings.Join(parts, " "), runSeconds(r), r.FitSeconds, r.KmSeconds, r.Iterations, eta.Round(time.Second))
}

// redraw writes the terminal line; p.mu is held.
func (p *progress) redraw() {
	now := p.now()
	var b strings.Builder
	fmt.Fprintf(&b, "\r\033[K[%d/%d] failed %d · elapsed %s · ETA %s", p.n, p.total-p.others, p.fails,
		now.Sub(p.start).Round(time.Second), p.est.eta(now).Round(time.Second))
	if p.others > 0 {
		fmt.Fprintf(&b, " · %d by other processes", p.others)
	}
	if p.waiting > 0 {
		fmt.Fprintf(&b, " · waiting for %d held by other processes", p.waiting)
	}
	if len(p.flying) > 0 {
		fmt.Fprintf(&b, " · running: %s", p.inFlight(now))
	}
	if p.last != "" {
		fmt.Fprintf(&b, " · last: %s", p.last)
	}
	io.WriteString(p.w, b.String())
}

// inFlight lists the runs in flight, oldest first, each with its running
// time, expected time and (with a timeout) its limit; p.mu is held.
func (p *progress) inFlight(now time.Time) string {
	ids := make([]int, 0, len(p.flying))
	for i := range p.flying {
		ids = append(ids, i)
	}
	slices.SortFunc(ids, func(a, b int) int { return p.flying[a].started.Compare(p.flying[b].started) })
	limit := ""
	if p.timeout > 0 {
		limit = ", limit " + fmtSecs(p.timeout.Seconds())
	}
	var fl []string
	for _, i := range ids {
		f := p.flying[i]
		fl = append(fl, fmt.Sprintf("%s %s/~%s%s", f.what, fmtSecs(now.Sub(f.started).Seconds()), fmtSecs(p.est.costs[i]), limit))
	}
	return strings.Join(fl, ", ")
}

// fmtSecs formats seconds compactly: 0.4s, 12s, 3m05s, 1h02m.
func fmtSecs(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.1fs", s)
	case s < 60:
		return fmt.Sprintf("%.0fs", s)
	case s < 3600:
		m := int(s) / 60
		return fmt.Sprintf("%dm%02ds", m, int(s)-60*m)
	}
	h := int(s) / 3600
	return fmt.Sprintf("%dh%02dm", h, (int(s)-3600*h)/60)
}

func (p *progress) finish() {
	if p.stop != nil {
		close(p.stop)
		p.stopped.Wait()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.total > 0 {
		p.redraw()
		fmt.Fprintln(p.w)
	}
}
