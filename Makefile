# minerun: `make run` starts the service, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types chromium bench bench-analysis clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/minerun serve --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

# The browser tests drive Debian's Chromium. As root with apt (as .ci/run runs), install it when
# absent; otherwise say so, and those tests skip naming the missing browser.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	else echo "chromium is absent and cannot be installed here (not root, or no apt):" \
		"the browser tests will skip"; fi

# Four test processes, one module each at a time: most tests wait on real processes, so the
# suite takes half as long on two cores.
test: lint types chromium
	$(BIN)/pytest -n 4 --dist loadfile

bench: $(STAMP)
	$(BIN)/python benchmarks/lifecycle.py
	$(BIN)/python benchmarks/webhooks.py
	$(BIN)/python benchmarks/stream.py
	$(BIN)/python benchmarks/listing.py
	$(BIN)/python benchmarks/cold_start.py
	$(BIN)/python benchmarks/report_generation.py
	$(BIN)/python benchmarks/batches.py

bench-analysis: $(STAMP)
	$(BIN)/python benchmarks/analysis.py
	$(BIN)/python benchmarks/data_enrichment.py

clean:
	rm -rf $(VENV) var
