# lrpose_mm entry points. Each target installs what it needs first (idempotent, fast when done).
PY := .venv/bin/python
.PHONY: install benchmark quick action test test-fast lint clean

install:
	bash tools/install.sh

# The main job: procedural LR people -> five-variant benchmark -> report folder.
benchmark: install
	$(PY) tools/benchmark.py --out reports/benchmark

# A few-minute smoke version of the main job.
quick: install
	$(PY) tools/benchmark.py --quick --out reports/quick

# Low-resolution action recognition on procedural actions, with the benchmark's pose models
# (run `make benchmark` first): ST-GCN on GT / LR-direct / bicubic / PDSR skeletons.
action: install
	$(PY) tools/action_benchmark.py --pose-work-dir work_dirs/benchmark --out reports/action

# The test suite (what CI runs).
test: install
	$(PY) -m pytest tests -q -ra --durations=15

# The fast tests only (no end-to-end trainings): under a minute.
test-fast: install
	$(PY) -m pytest tests -q -ra -m "not slow"

# Lint (ruff: pycodestyle, pyflakes, isort; configuration in ruff.toml).
lint: install
	$(PY) -m ruff check lrpose_mm tools tests setup.py

clean:
	rm -rf work_dirs reports .pytest_cache
