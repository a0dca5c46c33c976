# nmfbench — build, test and reproduce.
#
# OpenBLAS is used when pkg-config finds it (Debian: libopenblas-dev; `make deps`
# installs it); otherwise gonum's pure-Go BLAS. The choice is recorded with every run.

GO       ?= go
DATA     ?= $(or $(NMFBENCH_DATA),../shared/datasets)
DB       ?= results/nmfbench.db
REPORT   ?= reports/paper
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
BLAS_TAG := $(shell pkg-config --exists openblas 2>/dev/null && echo netlib)
TAGS     := $(if $(BLAS_TAG),-tags $(BLAS_TAG))
RUNEXP   := bin/runexp

# Parallel runs and parallel test binaries each use one BLAS thread.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: test-slurm fuzz all build test vet bench bench-grid smoke reproduce report check-report check-data deps demo clean

all: build

build:
	$(GO) build $(TAGS) -o $(RUNEXP) ./cmd/runexp

## test: vet and run every test (with OpenBLAS when available), and check the pure-Go build.
test: vet
	$(GO) build ./...
	$(GO) test $(TAGS) ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(TAGS) ./...

## bench: the hot-kernel benchmarks.
bench:
	$(GO) test $(TAGS) -run '^$$' -bench . -benchtime 1s ./...

## bench-grid: two seeds of the paper grid into a fresh results/bench-grid.db (-j $(JOBS)), then the
##   measured seconds per row and the projected 50- and 10-seed wall times (docs/performance.md). Two
##   seeds, so that every run has its twin beside it as in the full grid (one seed pairs different
##   methods, which contend less for memory, and projected 6 % short).
BENCH_SEEDS ?= 2
bench-grid: check-data
	rm -f results/bench-grid.db results/bench-grid.db-wal results/bench-grid.db-shm
	$(RUNEXP) run experiments/paper.yaml --seeds $(BENCH_SEEDS) --data-dir $(DATA) --db results/bench-grid.db -j $(JOBS)
	$(RUNEXP) timing --db results/bench-grid.db --seeds 50 -j $(JOBS)
	$(RUNEXP) timing --db results/bench-grid.db --seeds 10 -j $(JOBS)

check-data: build
	$(RUNEXP) datasets --check --data-dir $(DATA)

## smoke: a few seeds on COIL20 (under a minute), then its report.
smoke: build
	$(RUNEXP) run experiments/smoke.yaml --data-dir $(DATA) --db results/smoke.db -j $(JOBS)
	$(RUNEXP) report --db results/smoke.db --out reports/smoke

## test-slurm: a real single-node Slurm cluster (slurm-wlm, munge; as root) runs the 4-task job array of
##   experiments/slurm_smoke.yaml; its merged report must equal a single-process run (scripts/test_slurm.sh).
test-slurm: build
	NMFBENCH_DATA=$(DATA) RUNEXP=$(abspath $(RUNEXP)) scripts/test_slurm.sh

## smoke-ranking: four small datasets (two generated, ORL and Yale), 3 seeds, then a report with
##   the ranking page (average ranks, Friedman, Nemenyi CD diagram); about 20 s.
smoke-ranking: build
	$(RUNEXP) run experiments/ci_ranking.yaml --data-dir $(DATA) --db results/ci_ranking.db -j $(JOBS)
	$(RUNEXP) report --db results/ci_ranking.db --out reports/ci_ranking

## demo: the synthetic dataset, no data files needed.
demo: build
	$(RUNEXP) run experiments/demo.yaml --db results/demo.db -j $(JOBS)
	$(RUNEXP) report --db results/demo.db --out reports/demo

## reproduce: the paper's whole grid (resumes if interrupted), then the report.
reproduce: check-data
	@$(RUNEXP) doctor --time 300ms | tail -n 1
	$(RUNEXP) run experiments/paper.yaml --data-dir $(DATA) --db $(DB) -j $(JOBS)
	$(RUNEXP) report --db $(DB) --out $(REPORT)
	@echo "report written to $(REPORT)/ (open $(REPORT)/index.html)"

## report: rebuild the report from the database only.
report: build
	$(RUNEXP) report --db $(DB) --out $(REPORT)

## check-report: load $(REPORT)/index.html in headless Chromium, check it, screenshot it.
check-report:
	scripts/check_html.sh $(REPORT)

## deps: system packages — OpenBLAS, Chromium for the HTML report check, and NumPy and scikit-learn
##   for the External method's examples and tests (Debian's python3-numpy, python3-sklearn), pandas for
##   the export read-back test of results/export (python3-pandas, about 40 s to install); as root.
deps:
	@missing=""; \
	pkg-config --exists openblas 2>/dev/null || missing="$$missing libopenblas-dev pkg-config"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || missing="$$missing python3-numpy"; \
	/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1 || missing="$$missing python3-sklearn"; \
	/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1 || missing="$$missing python3-pandas"; \
	if [ -n "$$missing" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@# pdflatex for the LaTeX table test (reports.TestLaTeXCompiles): about 40 s without recommends.
	@command -v pdflatex >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends texlive-latex-base texlive-latex-recommended; }

clean:
	rm -rf bin reports/smoke reports/demo

## fuzz: every fuzz target (spec loader, MAT and IDX readers) for FUZZTIME each (default 30s).
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) GOFLAGS="$(TAGS)" scripts/fuzz.sh
