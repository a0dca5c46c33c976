package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"nmfbench/results"
)

// Provenance says where the report's numbers come from.
type Provenance struct {
	Database string               // path of the results database
	Specs    []results.SpecRecord // specs whose hash some run carries
	// Distinct values over all runs, sorted.
	SpecHashes, GitRevisions, GoVersions, BLAS, BLASEnv, Hosts []string
	First, Last                                                time.Time // earliest start, latest finish
	OK, Failed                                                 int       // runs by status
	Generated                                                  time.Time // when the report was built
}

func newProvenance(runs []results.Run, specs []results.SpecRecord, db string, now time.Time) Provenance {
	p := Provenance{Database: db, Generated: now.UTC()}
	sets := map[string]map[string]bool{}
	add := func(kind, v string) {
		if v == "" {
			return
		}
		if sets[kind] == nil {
			sets[kind] = map[string]bool{}
		}
		sets[kind][v] = true
	}
	for _, r := range runs {
		if r.Status == results.StatusOK {
			p.OK++
		} else {
			p.Failed++
		}
		add("spec", r.SpecHash)
		add("git", r.Provenance.GitRevision)
		add("go", r.Provenance.GoVersion)
		add("blas", r.Provenance.BLAS)
		add("env", r.Provenance.BLASEnv)
		add("host", r.Provenance.Host)
		if s := r.Provenance.Started; !s.IsZero() && (p.First.IsZero() || s.Before(p.First)) {
			p.First = s
		}
		if f := r.Provenance.Finished; f.After(p.Last) {
			p.Last = f
		}
	}
	p.SpecHashes, p.GitRevisions, p.GoVersions = sortedKeys(sets["spec"]), sortedKeys(sets["git"]), sortedKeys(sets["go"])
	p.BLAS, p.BLASEnv, p.Hosts = sortedKeys(sets["blas"]), sortedKeys(sets["env"]), sortedKeys(sets["host"])
	for _, s := range specs {
		if sets["spec"][s.Hash] {
			p.Specs = append(p.Specs, s)
		}
	}
	sort.SliceStable(p.Specs, func(a, b int) bool { return p.Specs[a].FirstRun.Before(p.Specs[b].FirstRun) })
	return p
}

// Items returns the provenance as (name, value) pairs in display order.
func (p Provenance) Items() [][2]string {
	specs := make([]string, 0, len(p.SpecHashes))
	named := map[string]results.SpecRecord{}
	for _, s := range p.Specs {
		named[s.Hash] = s
	}
	for _, h := range p.SpecHashes {
		if s, ok := named[h]; ok {
			specs = append(specs, fmt.Sprintf("%s (%s, %s)", short(h), s.Name, s.Path))
		} else {
			specs = append(specs, short(h))
		}
	}
	date := func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	list := func(v []string) string {
		if len(v) == 0 {
			return "–"
		}
		return strings.Join(v, "; ")
	}
	return [][2]string{
		{"Database", p.Database},
		{"Specs (SHA-256)", list(specs)},
		{"Git revisions", list(p.GitRevisions)},
		{"BLAS", list(p.BLAS)},
		{"BLAS environment", list(p.BLASEnv)},
		{"Go", list(p.GoVersions)},
		{"Hosts", list(p.Hosts)},
		{"Runs", fmt.Sprintf("%d ok, %d failed", p.OK, p.Failed)},
		{"First run started", date(p.First)},
		{"Last run finished", date(p.Last)},
		{"Report generated", date(p.Generated)},
	}
}

// short abbreviates a hex hash to 12 characters.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// WriteProvenance writes the provenance block as a Markdown list.
func WriteProvenance(w io.Writer, p Provenance) error {
	if _, err := fmt.Fprintf(w, "### Provenance\n\n"); err != nil {
		return err
	}
	for _, it := range p.Items() {
		if _, err := fmt.Fprintf(w, "- %s: %s\n", it[0], mdEscape(it[1])); err != nil {
			return err
		}
	}
	return nil
}
