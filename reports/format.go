package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Missing-value marks: Markdown and HTML use an en dash, LaTeX "--".
const (
	dash    = "–"
	texDash = "--"
)

// num formats v scaled for field with two decimals, or dash when v is not finite.
func num(v float64, field, missing string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return missing
	}
	return strconv.FormatFloat(scaleOf(field)*v, 'f', 2, 64)
}

// signed formats v scaled with an explicit sign (ASCII '-'); zero as printed
// has none.
func signed(v float64, field, missing string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return missing
	}
	s := strconv.FormatFloat(scaleOf(field)*v, 'f', 2, 64)
	if s == "-0.00" || s == "0.00" {
		return "0.00"
	}
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// pValue formats a p-value: three decimals down to 0.001, then two
// significant digits in exponent form.
func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return dash
	case p >= 0.001:
		return strconv.FormatFloat(p, 'f', 3, 64)
	}
	return strconv.FormatFloat(p, 'e', 1, 64)
}

// hasPaper reports whether any cell of t has a published value.
func hasPaper(t Table) bool {
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			if !math.IsNaN(c.Paper) {
				return true
			}
		}
	}
	return false
}

// hasTests reports whether any cell of t carries a paired test.
func hasTests(t Table) bool {
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			if c.Test != nil {
				return true
			}
		}
	}
	return false
}

// runsText is "5" or "5 (1 failed)".
func runsText(r Row) string {
	s := strconv.Itoa(r.OK)
	if r.Failed > 0 {
		s += fmt.Sprintf(" (%d failed)", r.Failed)
	}
	return s
}

// mdEscape protects the characters that break a Markdown table cell or
// would be read as HTML: '|', '*', '_', '<', '>' and '&' are escaped, line
// breaks become spaces, and other control characters (NUL included) are
// dropped.
func mdEscape(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// csvText neutralises a text cell that a spreadsheet would run as a formula
// (OWASP's CSV injection advice): a cell starting with '=', '+', '-', '@',
// a tab or a carriage return gets a leading apostrophe, unless the whole
// cell is a number (a sweep value of -1 stays -1).
func csvText(s string) string {
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// legend explains a table's columns and marks in one paragraph.
func legend(t Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Columns: %s. Mean ± sample standard deviation over the ok runs", t.Columns.String())
	if allPercent(t) {
		b.WriteString(", in %")
	}
	b.WriteString("; bold: best mean of the column")
	if hasPaper(t) {
		b.WriteString("; paper: the published value; Δ = ours − paper")
	}
	if t.Reference != "" {
		fmt.Fprintf(&b, "; † p < 0.05, ‡ p < 0.01: two-sided Wilcoxon signed-rank test against %s, runs paired by repetition index", t.Reference)
	}
	b.WriteString(".")
	if t.Source != "" && hasPaper(t) {
		fmt.Fprintf(&b, " Paper: %s.", t.Source)
	}
	return b.String()
}

func allPercent(t Table) bool {
	for _, c := range t.Columns {
		if scaleOf(c.Field) != 100 {
			return false
		}
	}
	return true
}

// heading is a column heading with its unit, e.g. "ACC (%)".
func heading(name, field string) string { return name + " (" + unitOf(field) + ")" }

// WriteMarkdown writes t as a Markdown table: per column mean ± std (bold
// when best, † or ‡ when the paired test against the reference is
// significant), the published value and the difference when the table has
// published values; then the runs, mean seconds per run (fit + k-means), the p-values and the
// failures.
func WriteMarkdown(w io.Writer, t Table) error {
	var b strings.Builder
	paper := hasPaper(t)
	fmt.Fprintf(&b, "### %s\n\n| Method | runs |", t.Title)
	align := "|---|---:|"
	for _, c := range t.Columns {
		fmt.Fprintf(&b, " %s |", heading(c.Name, c.Field))
		align += "---:|"
		if paper {
			b.WriteString(" paper | Δ |")
			align += "---:|---:|"
		}
	}
	b.WriteString(" s/run |\n" + align + "---:|\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "| %s | %s |", mdEscape(r.Label), runsText(r))
		for j, c := range r.Cells {
			field := t.Columns[j].Field
			s := num(c.Mean, field, dash) + " ± " + num(c.Std, field, dash)
			if c.Best {
				s = "**" + s + "**"
			}
			if m := c.Marker(); m != "" {
				s += " " + m
			}
			fmt.Fprintf(&b, " %s |", s)
			if paper {
				fmt.Fprintf(&b, " %s | %s |", num(c.Paper, field, dash), signed(c.Diff(), field, dash))
			}
		}
		fmt.Fprintf(&b, " %s |\n", secs(r.FitSec, dash))
	}
	fmt.Fprintf(&b, "\n%s\n", legend(t))
	if t.TestNote != "" {
		fmt.Fprintf(&b, "\n**Note:** %s\n", mdEscape(t.TestNote))
	}
	if hasTests(t) {
		fmt.Fprintf(&b, "\n#### Paired tests against %s\n\nPer metric: two-sided Wilcoxon signed-rank p-value, then the median paired difference (method − %s) and the 95 %% confidence interval of the method's mean.\n\n| Method | pairs |", mdEscape(t.Reference), mdEscape(t.Reference))
		align := "|---|---:|"
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " %s p | %s Δmed | %s 95 %% CI |", c.Name, c.Name, c.Name)
			align += "---:|---:|---:|"
		}
		b.WriteString("\n" + align + "\n")
		for _, r := range t.Rows {
			if r.Label == t.Reference {
				continue
			}
			fmt.Fprintf(&b, "| %s | %d |", mdEscape(r.Label), pairsOf(r))
			for j, c := range r.Cells {
				fmt.Fprintf(&b, " %s | %s | %s |", testText(c), effectText(c, t.Columns[j].Field), ciText(c, t.Columns[j].Field))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nResolved parameters (defaults included):\n\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "- %s (%s): %s\n", mdEscape(r.Label), mdEscape(r.Method), mdEscape(paramsText(r.Params)))
	}
	if len(t.Errors) > 0 {
		b.WriteString("\nFailures:\n")
		for _, e := range t.Errors {
			fmt.Fprintf(&b, "- %s\n", mdEscape(e))
		}
	}
	if len(t.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, e := range t.Notes {
			fmt.Fprintf(&b, "- %s\n", mdEscape(e))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// secs formats seconds with two decimals.
func secs(v float64, missing string) string {
	if math.IsNaN(v) {
		return missing
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// pairsOf is the largest number of pairs behind a row's tests.
func pairsOf(r Row) int {
	n := 0
	for _, c := range r.Cells {
		if c.Test != nil && c.Test.Pairs > n {
			n = c.Test.Pairs
		}
	}
	return n
}

// testText is a p-value with its marker, or dash without a test.
func testText(c Cell) string {
	if c.Test == nil || c.Test.Err != "" {
		return dash
	}
	s := pValue(c.Test.P)
	if m := c.Marker(); m != "" {
		s += " " + m
	}
	return s
}

// effectText is the median paired difference method − reference, scaled
// like the column, or dash.
func effectText(c Cell, field string) string {
	if c.Test == nil || c.Test.Err != "" {
		return dash
	}
	return signed(c.Test.MedianDiff, field, dash)
}

// ciText is the 95 % confidence interval of the mean as "[lo, hi]".
func ciText(c Cell, field string) string {
	if math.IsNaN(c.CILow) {
		return dash
	}
	return "[" + num(c.CILow, field, dash) + ", " + num(c.CIHigh, field, dash) + "]"
}

// paramsText shows resolved parameters (canonical JSON, keys sorted) as
// "key=value, …"; "(none)" for an empty object, the text itself when it is
// not a JSON object.
func paramsText(js string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return js
	}
	if len(m) == 0 {
		return "(none)"
	}
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := string(m[k])
		if len(v) >= 2 && v[0] == '"' {
			var str string
			if json.Unmarshal(m[k], &str) == nil {
				v = str
			}
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, ", ")
}

// WriteCSV writes t with one line per method. Scores are fractions in [0, 1]
// (mutual information in bits or nats) at full precision: per column the
// mean, std, number of values, best flag (1 or 0), published value,
// difference, the p-value of the paired test, the 95 % confidence interval
// of the mean and the median paired difference (method − reference); then
// the mean seconds per run (fit + k-means, column fit_seconds), the
// reference method, the registered method name and the resolved parameters
// (JSON). Missing values are empty fields. Sweep tables
// start with the swept parameter and its value.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	head := []string{"dataset", "method"}
	if t.Sweep != nil {
		head = append(head, "param", "value")
	}
	head = append(head, "runs", "failed")
	for _, c := range t.Columns {
		for _, s := range []string{"mean", "std", "n", "best", "paper", "diff", "p", "ci_low", "ci_high", "median_diff"} {
			head = append(head, c.Name+"_"+s)
		}
	}
	head = append(head, "fit_seconds", "reference", "method_name", "params")
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, r := range t.Rows {
		rec := []string{csvText(t.Dataset), csvText(r.Label)}
		if t.Sweep != nil {
			rec = append(rec, csvText(r.Sweep.Param), csvText(r.Sweep.Value))
		}
		rec = append(rec, strconv.Itoa(r.OK), strconv.Itoa(r.Failed))
		for _, c := range r.Cells {
			best := "0"
			if c.Best {
				best = "1"
			}
			p, md := "", ""
			if c.Test != nil && c.Test.Err == "" {
				p, md = f(c.Test.P), f(c.Test.MedianDiff)
			}
			rec = append(rec, f(c.Mean), f(c.Std), strconv.Itoa(c.N), best, f(c.Paper), f(c.Diff()), p, f(c.CILow), f(c.CIHigh), md)
		}
		rec = append(rec, f(r.FitSec), csvText(t.Reference), csvText(r.Method), r.Params)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteLaTeX writes t as a booktabs tabular ready for \input (needs
// \usepackage{booktabs}): per column mean $\pm$ std in math mode, bold when
// best, with $^\dagger$ / $^\ddagger$ for p < 0.05 / 0.01, then the published
// value and the difference when the table has published values. The output
// is pure ASCII; missing values are "--".
func WriteLaTeX(w io.Writer, t Table) error {
	var b strings.Builder
	paper := hasPaper(t)
	per := 1
	if paper {
		per = 3
	}
	fmt.Fprintf(&b, "%% %s\n", texComment(legend(t)))
	fmt.Fprintf(&b, "\\begin{tabular}{lr%s}\n\\toprule\n", strings.Repeat("r", per*len(t.Columns)))
	if paper {
		b.WriteString(" & ")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " & \\multicolumn{3}{c}{%s}", texText(heading(c.Name, c.Field)))
		}
		b.WriteString(" \\\\\n")
		for j := range t.Columns {
			lo := 3 + 3*j
			fmt.Fprintf(&b, "\\cmidrule(lr){%d-%d}", lo, lo+2)
		}
		b.WriteString("\nMethod & runs")
		for range t.Columns {
			b.WriteString(" & ours & paper & $\\Delta$")
		}
	} else {
		b.WriteString("Method & runs")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " & %s", texText(heading(c.Name, c.Field)))
		}
	}
	b.WriteString(" \\\\\n\\midrule\n")
	for _, r := range t.Rows {
		runs := strconv.Itoa(r.OK)
		if r.Failed > 0 {
			runs += fmt.Sprintf(" (%d failed)", r.Failed)
		}
		label := texText(r.Label)
		if strings.HasPrefix(label, "[") {
			label = "{}" + label // not an optional argument of the preceding \\ or \midrule
		}
		fmt.Fprintf(&b, "%s & %s", label, runs)
		for j, c := range r.Cells {
			field := t.Columns[j].Field
			cell := texCell(c, field, false)
			fmt.Fprintf(&b, " & %s", cell)
			if paper {
				d := signed(c.Diff(), field, texDash)
				if d != texDash {
					d = "$" + d + "$"
				}
				fmt.Fprintf(&b, " & %s & %s", num(c.Paper, field, texDash), d)
			}
		}
		b.WriteString(" \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteLaTeXStyle writes t as a booktabs tabular in one of the LaTeX
// styles: LaTeXFull is WriteLaTeX; LaTeXOurs has one column per metric,
// mean and sd, and fits one column of a two-column paper (10 pt); LaTeXPaper is
// the same with each method's published values on a second line, in
// parentheses. The compact styles set \small and a 3 pt column separation
// inside a group, put the runs and the legend in a comment above the
// table, and mark the best mean bold and significant differences with
// daggers like the full style.
func WriteLaTeXStyle(w io.Writer, t Table, style string) error {
	switch style {
	case "", LaTeXFull:
		return WriteLaTeX(w, t)
	case LaTeXOurs, LaTeXPaper:
	default:
		return fmt.Errorf("unknown LaTeX style %q (want %s, %s or %s)", style, LaTeXFull, LaTeXOurs, LaTeXPaper)
	}
	paper := style == LaTeXPaper && hasPaper(t)
	var b strings.Builder
	fmt.Fprintf(&b, "%% %s\n", texComment(legend(t)))
	if paper {
		b.WriteString("% Second line of each method, in parentheses: the published value.\n")
	}
	runs := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		runs[i] = r.Label + " " + runsText(r)
	}
	if t.Sweep != nil {
		fmt.Fprintf(&b, "%% %s\n", texComment(t.Title))
	}
	fmt.Fprintf(&b, "%% Runs per method: %s\n", texComment(strings.Join(runs, "; ")))
	b.WriteString("\\begingroup\\footnotesize\\setlength{\\tabcolsep}{3pt}\n")
	first := "Method"
	if t.Sweep != nil {
		first = texText(t.Sweep.Param) // the method is named in the comment above
	}
	fmt.Fprintf(&b, "\\begin{tabular}{@{}l%s@{}}\n\\toprule\n%s", strings.Repeat("r", len(t.Columns)), first)
	unit := ""
	if allPercent(t) {
		unit = " (\\%)"
	}
	for _, c := range t.Columns {
		if unit != "" {
			fmt.Fprintf(&b, " & %s", texText(c.Name))
		} else {
			fmt.Fprintf(&b, " & %s", texText(heading(c.Name, c.Field)))
		}
	}
	if unit != "" {
		b.WriteString(" \\\\\n & \\multicolumn{" + strconv.Itoa(len(t.Columns)) + "}{c}{mean$_{\\pm\\mathrm{sd}}$" + unit + "}")
	}
	b.WriteString(" \\\\\n\\midrule\n")
	for _, r := range t.Rows {
		name := r.Label
		if r.Sweep != nil {
			name = r.Sweep.Value // the method and parameter head the column
		}
		label := texText(name)
		if strings.HasPrefix(label, "[") {
			label = "{}" + label
		}
		b.WriteString(label)
		for j, c := range r.Cells {
			b.WriteString(" & " + texCell(c, t.Columns[j].Field, true))
		}
		b.WriteString(" \\\\\n")
		if paper {
			has := false
			for _, c := range r.Cells {
				has = has || !math.IsNaN(c.Paper)
			}
			if has {
				for j, c := range r.Cells {
					if math.IsNaN(c.Paper) {
						b.WriteString(" &")
					} else {
						fmt.Fprintf(&b, " & (%s)", num(c.Paper, t.Columns[j].Field, texDash))
					}
				}
				b.WriteString(" \\\\\n")
			}
		}
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n\\endgroup\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// texCell is mean ± std in math mode (bold when best) with the dagger of
// a significant test; compact sets the deviation as a subscript,
// $63.58_{\pm 3.67}$, which keeps four metrics within one column.
func texCell(c Cell, field string, compact bool) string {
	mean, std := num(c.Mean, field, texDash), num(c.Std, field, texDash)
	if compact && std != texDash {
		std = strconv.FormatFloat(scaleOf(field)*c.Std, 'f', 1, 64)
	}
	var cell string
	if mean == texDash {
		cell = texDash
	} else {
		if c.Best {
			mean = "\\mathbf{" + mean + "}"
			if !compact {
				std = "\\mathbf{" + std + "}"
			}
		}
		switch {
		case std == texDash:
			cell = "$" + mean + "$"
		case compact:
			// The mark stacks above the subscript: $63.58_{\pm 3.67}^{\ddagger}$.
			sup := ""
			switch c.Marker() {
			case "†":
				sup = "^{\\dagger}"
			case "‡":
				sup = "^{\\ddagger}"
			}
			return "$" + mean + "_{\\pm " + std + "}" + sup + "$"
		default:
			cell = "$" + mean + " \\pm " + std + "$"
		}
	}
	switch c.Marker() {
	case "†":
		cell += "$^{\\dagger}$"
	case "‡":
		cell += "$^{\\ddagger}$"
	}
	return cell
}

// texReplacements maps characters with a LaTeX meaning, and the non-ASCII
// characters a label or citation plausibly holds, to ASCII LaTeX.
var texReplacements = strings.NewReplacer(
	`\`, `\textbackslash{}`, "_", `\_`, "%", `\%`, "&", `\&`, "#", `\#`, "$", `\$`,
	"{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`,
	"–", "--", "—", "---", "−", "$-$", "±", "$\\pm$", "×", "$\\times$", "Δ", "$\\Delta$",
	"λ", "$\\lambda$", "μ", "$\\mu$", "α", "$\\alpha$", "β", "$\\beta$", "γ", "$\\gamma$",
	"ε", "$\\varepsilon$", "σ", "$\\sigma$", "ρ", "$\\rho$", "τ", "$\\tau$", "η", "$\\eta$",
	"†", "$^\\dagger$", "‡", "$^\\ddagger$", "’", "'", "‘", "`", "“", "``", "”", "''", "…", "\\dots{}",
	"é", "\\'e", "è", "\\`e", "ü", "\\\"u", "ö", "\\\"o", "ä", "\\\"a",
)

// texText escapes s for LaTeX text mode; any remaining non-ASCII character
// becomes "?", so the output is always ASCII.
func texText(s string) string { return asciiOnly(texReplacements.Replace(s)) }

// texComment makes s safe on a LaTeX comment line (ASCII, one line).
func texComment(s string) string {
	s = strings.NewReplacer("\n", " ", "–", "--", "—", "---", "−", "-", "±", "+/-", "×", "x", "Δ", "Delta",
		"†", "dagger", "‡", "double dagger", "’", "'", "…", "...").Replace(s)
	return asciiOnly(s)
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 126 || (r < 32 && r != '\n' && r != '\t') {
			return '?'
		}
		return r
	}, s)
}
