# lrpose_mm entry points. Each target installs what it needs first (idempotent, fast when done).
PY := .venv/bin/python
.PHONY: install install-ops wheelhouse benchmark benchmark-long tune ablation quick sizes action test test-all test-fast lint clean

# mmcv-lite by default (pure Python, no compiler); see docs/install.md.
install:
	bash tools/install.sh

# The full mmcv with compiled ops (MMDetection detectors, mmcv.ops): a C++20 compiler, 6-17 min once.
install-ops:
	bash tools/install.sh --with-ops

# The stack's wheels less torch, for `bash tools/install.sh --wheelhouse wheelhouse` offline.
wheelhouse:
	bash tools/install.sh --build-wheelhouse wheelhouse

# The main job: procedural LR people -> five variants + MMPose's peer + HR oracle, and the SR
# front ends before the frozen oracle (plug-in SR) -> report with 95% bootstrap intervals
# (about 30 min on 2 CPU cores; the iterations shrink alike to fit on slower ones).
benchmark: install
	$(PY) tools/benchmark.py --frozen-pose --out reports/benchmark --work-dir work_dirs/benchmark

# The reference table: 2.5x the HR steps, 2x the fine-tuning steps, two seeds per row: about
# two hours on 2 CPU cores (resumable: rerun to continue).
benchmark-long: install
	$(PY) tools/benchmark.py --budget long --out reports/benchmark-long --work-dir work_dirs/benchmark-long

# Choosing settings: the same job evaluated on the tune split (never on val), every fine-tuned
# row also at two other learning rates (the best per row -> reports/tune/chosen_lr.json, which
# `tools/benchmark.py --row-lr` applies), and the ablations (PDSR's loss terms and neck, the SR
# neck's own rate for PDSR and two-stage, frozen PDSR without its feature term).
tune: install
	$(PY) tools/benchmark.py --split tune --lr-grid 2.5e-4 1e-3 --out reports/tune --work-dir work_dirs/benchmark
ablation: install
	$(PY) tools/benchmark.py --split tune --frozen-pose --ablation --out reports/ablation --work-dir work_dirs/benchmark

# A few-minute smoke version of the main job (the whole path, intervals included).
quick: install
	$(PY) tools/benchmark.py --quick --out reports/quick --work-dir work_dirs/quick

# Mixed sizes (people 20-300 px: never-SR / always-SR / adaptive by size bucket, threshold
# chosen on sizes-tune; an x2 and an x1 neck per SR checkpoint and the three- and four-path
# routing) and real low-resolution input vs simulated (with the SR rows trained on camera-like LR
# too), on the checkpoints of `make benchmark`: the same job rerun (every pose stage reused) adds
# these tables to its report. It trains nine SR stages of the fine-tuning length (about 80
# minutes in all at 1 thread with 200 fine-tuning iterations). Kept out of `make benchmark` so that its 30
# minutes go to training; tools/size_benchmark.py evaluates alone (e.g. another threshold).
sizes: install
	$(PY) tools/benchmark.py --frozen-pose --sizes --out reports/benchmark --work-dir work_dirs/benchmark

# Low-resolution action recognition on procedural actions, with the benchmark's pose models
# (run `make benchmark` first: it writes work_dirs/benchmark/checkpoints.json): ST-GCN and PoseC3D
# on GT / LR-direct / bicubic / PDSR skeletons, top-1 and gap closure with bootstrap intervals.
action: install
	$(PY) tools/action_benchmark.py --pose-work-dir work_dirs/benchmark --frozen-pose --out reports/action

# The test suite (what CI runs): everything but the benchmark applications' longer end-to-end
# runs (one quick pose benchmark and the two-path sizes job stay in).
test: install
	$(PY) -m ruff check lrpose_mm tools tests setup.py
	$(PY) -m pytest tests -q -ra --durations=15 -m "not long"

# Everything, the longer end-to-end runs included (about 11 more minutes on an idle 2-core
# machine: the x2 and x1 necks and camera rows of the sizes job add about 4).
test-all: install
	$(PY) -m pytest tests -q -ra --durations=15

# The fast tests only (no end-to-end trainings): under a minute.
test-fast: install
	$(PY) -m pytest tests -q -ra -m "not slow"

# Lint (ruff: pycodestyle, pyflakes, isort; configuration in ruff.toml).
lint: install
	$(PY) -m ruff check lrpose_mm tools tests setup.py

clean:
	rm -rf work_dirs reports .pytest_cache
