#!/usr/bin/env bash
# One install step for lrpose_mm: a project-local venv with the verified OpenMMLab stack.
# Idempotent; the mmcv wheel (compiled ops) is built once and cached outside the repo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LRPOSE_VENV:-$ROOT/.venv}"
CACHE="${LRPOSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lrpose_mm}"
PY="${PYTHON:-python3}"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
MMCV_VERSION=2.1.0
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_CFLAGS="-g0 -O1"
T0=$(date +%s)

say() { printf '[install %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- preflight: fail early with a clear message ----
command -v "$PY" >/dev/null || die "no '$PY' on PATH (set PYTHON=/path/to/python3.11)"
PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$PYVER" = "3.11" ] || say "warning: Python $PYVER; the verified stack is for Python 3.11"
command -v g++ >/dev/null || die "no C++ compiler (g++) found: mmcv's ops must be compiled (apt-get install g++)"
mkdir -p "$CACHE/wheels"

# ---- venv ----
if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
# pip, quiet, without this machine's harmless "find-links location is ignored" noise
PIP=(pip_quiet)
pip_quiet() {
  "$VPY" -m pip --disable-pip-version-check -q "$@" \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
}

have() { "$VPY" - "$@" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, want = spec.split('==')
    if version(name) != want:
        sys.exit(1)
PYEOF
}

# ---- disk: what the remaining steps write (the venv, the wheel cache, pip's build dir) ----
# torch with its CUDA libraries is 5.5 GB in the venv; the rest of the stack and an mmcv
# build about 1.5 GB. An install whose torch is already in place needs only the latter.
if have torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION; then NEED_MB=2000; else NEED_MB=9000; fi
for DIR in "$VENV" "$CACHE" "${TMPDIR:-/tmp}"; do
  FREE_MB=$(df -Pm "$DIR" | awk 'NR==2 {print $4}')
  [ "${FREE_MB:-0}" -ge "$NEED_MB" ] \
    || die "only ${FREE_MB} MB free under $DIR; the remaining install steps need about ${NEED_MB} MB there (torch with its CUDA libraries is 5.5 GB)"
done

# ---- torch ----
if have torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION; then
  say "torch $TORCH_VERSION / torchvision $TORCHVISION_VERSION already installed"
else
  say "installing torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION (about 1 minute)"
  "${PIP[@]}" install "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" \
    || die "could not install torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION (is the pip cap /etc/xdg/pip in place, or a network to PyPI?)"
fi
say "build tools (setuptools<81, wheel, ninja, numpy<2)"
"${PIP[@]}" install -c "$CONSTRAINTS" "setuptools>=77,<81" wheel ninja "numpy<2" \
  || die "could not install the build tools with the pins of $CONSTRAINTS"

# ---- mmcv with compiled ops (cached wheel) ----
TAG="mmcv${MMCV_VERSION}-torch${TORCH_VERSION}-py${PYVER}-$(uname -m)-$(echo "$MMCV_CFLAGS" | tr -d ' -')"
WHEEL_DIR="$CACHE/wheels/$TAG"
if have mmcv==$MMCV_VERSION && "$VPY" -c 'import mmcv.ops' 2>/dev/null; then
  say "mmcv $MMCV_VERSION with ops already installed"
else
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    say "building mmcv $MMCV_VERSION with ops (no cached wheel at $WHEEL_DIR; 6-17 minutes on 2 cores)"
    BUILD=$(mktemp -d)
    trap 'rm -rf "$BUILD"' EXIT
    "${PIP[@]}" download --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$BUILD" \
      || die "could not download the mmcv $MMCV_VERSION source archive from PyPI"
    tar -xzf "$BUILD"/mmcv-*.tar.gz -C "$BUILD"
    SRC=$(echo "$BUILD"/mmcv-$MMCV_VERSION)
    # torch >= 2.10 headers need C++20; mmcv 2.1.0 hard-codes c++14/c++17.
    sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    grep -q 'std=c++20' "$SRC/setup.py" || die "could not patch the C++ standard in mmcv's setup.py"
    mkdir -p "$WHEEL_DIR.tmp"
    ( cd "$SRC" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" CFLAGS="$MMCV_CFLAGS" \
        "$VPY" -m pip --disable-pip-version-check wheel --no-build-isolation --no-deps . -w "$WHEEL_DIR.tmp" \
        > "$BUILD/build.log" 2>&1 ) \
      || { tail -n 40 "$BUILD/build.log" >&2; die "mmcv build failed (log above)"; }
    rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"   # atomic: no half-written cache
    say "cached mmcv wheel in $WHEEL_DIR"
  else
    say "using cached mmcv wheel $WHEEL_DIR"
  fi
  "${PIP[@]}" install --no-deps "$WHEEL_DIR"/mmcv-*.whl
fi

# ---- OpenMMLab stack + lrpose_mm ----
say "installing mmengine, mmdet, mmpose, mmpretrain, mmaction2 and lrpose_mm (editable, with tests extra)"
"${PIP[@]}" install -c "$CONSTRAINTS" -e "$ROOT[tests]" \
  || die "pip could not satisfy the pins in $CONSTRAINTS (see the message above)"
"$VPY" -c 'import lrpose_mm, mmcv.ops, mmpose.models, mmpretrain.models, mmaction.models' \
  || die "the stack installed but does not import (see the traceback above)"
say "done: $("$VPY" -c 'import torch, mmcv, mmpose, mmaction, mmpretrain, mmengine; print("torch", torch.__version__, "mmcv", mmcv.__version__, "mmengine", mmengine.__version__, "mmpose", mmpose.__version__, "mmpretrain", mmpretrain.__version__, "mmaction2", mmaction.__version__)')"
