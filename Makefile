# The two commands a newcomer needs: `make demo` and `make test`. Each installs what it needs
# (uv from PyPI if missing, then the locked environment) on a machine that has only Python and make.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
BENCH_N ?= 1000000

.PHONY: setup demo test notebooks chromium bench bench-ingest bench-link bench-detect ui sample clean

setup: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen --all-groups
	@touch $@

demo: setup
	$(UV) run mash demo

test: setup chromium
	$(UV) run pytest -n 2

# Execute the researcher notebooks on the extract `make demo` wrote (outputs in var/outputs/researcher/notebooks/).
notebooks: setup
	$(UV) run mash notebooks
# The commissioner report's browser test drives Debian's chromium. Install it when missing (sudo only
# when not root and sudo is there); if that is impossible the test skips locally and fails in CI.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		SUDO=""; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi; \
		echo "Installing chromium for the report's browser test ..."; \
		($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium) >/dev/null \
		|| echo "Could not install chromium: the browser test will skip here (it fails when CI is set)."; }

bench: bench-ingest bench-link bench-detect

bench-ingest: setup
	$(UV) run mash bench ingest --notifications $(BENCH_N)

# Graph build and every rule over BENCH_N notifications (ingested first, timed apart). Person links are the
# world's true ids: the pipeline's linkage does not fit in 24 GB at 1M (BENCHMARKS.md); LINKS=matching to try.
LINKS ?= truth
bench-detect: setup
	$(UV) run mash bench detect --notifications $(BENCH_N) --links $(LINKS)

bench-link: setup
	@if [ -d bench/linkage ]; then $(UV) run python -m bench.linkage.run; else echo "no linkage benchmark yet"; fi

ui: setup
	$(UV) run mash ui

# Re-generate the committed synthetic sample (deterministic: same seed, same files).
sample: setup
	rm -rf data_samples/world
	$(UV) run mash generate --out data_samples/world

clean:
	rm -rf var bench_out .pytest_cache
