// Package reports turns the results database into the paper-style report:
// tables, paired significance tests, plots, provenance and one
// self-contained HTML page.
//
// The contract: everything is computed from the SQLite store alone
// (results.Store), so a report can be rebuilt at any time without re-running
// anything, and rebuilding it from the same database gives the same tables.
//
//   - Build summarises the store: per dataset, one Table whose rows are the
//     method labels (spec order) and whose columns are a metrics.Mapping
//     (default metrics.PaperMapping: ACC, NMI, MI, Purity); each Cell holds
//     the mean ± sample standard deviation over the ok runs, the published
//     value and a Wilcoxon signed-rank test against a reference method,
//     pairing runs by repetition index. Labels produced by a spec sweep
//     ("GNMF[lambda=10]") are split off into one sweep Table per swept
//     parameter.
//   - WriteMarkdown, WriteCSV and WriteLaTeX format a Table; LaTeX output is
//     pure ASCII, a booktabs tabular ready for \input.
//   - Write builds everything and writes it to a directory: the tables, the
//     figures (PNG and SVG, made with gonum.org/v1/plot), provenance.md and
//     index.html, which embeds every figure as a data URI and loads nothing
//     from elsewhere.
//
// Percentages: scores in [0, 1] are shown ×100 with two decimals; the mutual
// information in bits or nats (fields mi_bits, mi_nats) is shown as is.
// Missing values are shown as "–" (Markdown, HTML), "--" (LaTeX) or an empty
// field (CSV), never as NaN. See docs/reports.md.
package reports
