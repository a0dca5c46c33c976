package runner

import (
	"fmt"
	"io"
	"strings"
	"time"

	"nmfbench/metrics"
	"nmfbench/results"
)

// progress reports completed runs: one redrawn line on a terminal, one log
// line per run otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	n, fails int
	start    time.Time
}

func newProgress(w io.Writer, terminal bool, total int) *progress {
	return &progress{w: w, terminal: terminal, total: total, start: time.Now()}
}

func (p *progress) done(r *results.Run, cols metrics.Mapping) {
	p.n++
	if r.Status != results.StatusOK {
		p.fails++
	}
	elapsed := time.Since(p.start)
	eta := time.Duration(float64(elapsed) / float64(p.n) * float64(p.total-p.n))
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K[%d/%d] failed %d · elapsed %s · ETA %s · last: %s %s rep %d",
			p.n, p.total, p.fails, elapsed.Round(time.Second), eta.Round(time.Second), r.Dataset, r.Label, r.Rep)
		if r.Status != results.StatusOK {
			fmt.Fprintf(p.w, "\n  failed: %s\n", r.Error)
		}
		return
	}
	if r.Status != results.StatusOK {
		fmt.Fprintf(p.w, "[%d/%d] %s %s rep %d FAILED: %s\n", p.n, p.total, r.Dataset, r.Label, r.Rep, r.Error)
		return
	}
	var parts []string
	for _, c := range cols {
		parts = append(parts, fmt.Sprintf("%s %.4f", c.Name, r.Metrics[c.Field]))
	}
	fmt.Fprintf(p.w, "[%d/%d] %s %s rep %d: %s (fit %.2fs, %d it) ETA %s\n", p.n, p.total, r.Dataset, r.Label, r.Rep,
		strings.Join(parts, " "), r.FitSeconds, r.Iterations, eta.Round(time.Second))
}

func (p *progress) finish() {
	if p.terminal && p.n > 0 {
		fmt.Fprintln(p.w)
	}
}
