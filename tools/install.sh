#!/usr/bin/env bash
# One install step for lrpose_mm: a project-local venv with the verified OpenMMLab stack.
#
#   bash tools/install.sh                     mmcv-lite 2.1.0 (pure Python: no compiler, about 2 min)
#   bash tools/install.sh --with-ops          full mmcv 2.1.0 with its compiled ops (MMDetection
#                                             detectors, mmcv.ops users): built once (6-17 min on
#                                             2 cores, a C++20 compiler), then cached
#   bash tools/install.sh --build-wheelhouse DIR [--extras tests] [--have FREEZE.txt]
#                                             the wheels of the stack, less torch, for an offline install
#   bash tools/install.sh --wheelhouse DIR    install from DIR with no package registry, on a
#                                             machine (or venv) that already has torch and torchvision
#
# Idempotent; a full mmcv with ops already installed is kept. Environment: LRPOSE_VENV (the venv,
# default .venv), LRPOSE_CACHE (the mmcv wheel cache), PYTHON (the interpreter), MAX_JOBS (build).
# docs/install.md says when to use which.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LRPOSE_VENV:-$ROOT/.venv}"
CACHE="${LRPOSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lrpose_mm}"
PY="${PYTHON:-python3}"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
MMCV_VERSION=2.1.0
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
CHUMPY_VERSION=0.70   # an MMPose requirement, sdist only
MMCV_CFLAGS="-g0 -O1"
LOCK_NAME=lrpose-wheelhouse.txt   # the wheelhouse's pinned list (installed with --no-deps)
CARRY_MIB=64                      # what a job can carry along
T0=$(date +%s)

say() { printf '[install %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

WITH_OPS=0; WHEELHOUSE=; BUILD_DIR=; EXTRAS=; HAVE=
while [ $# -gt 0 ]; do
  case "$1" in
    --with-ops) WITH_OPS=1 ;;
    --wheelhouse) WHEELHOUSE="${2:?--wheelhouse needs a folder}"; shift ;;
    --build-wheelhouse) BUILD_DIR="${2:?--build-wheelhouse needs a folder}"; shift ;;
    --extras) EXTRAS="${2:?--extras needs names, e.g. tests or deploy}"; shift ;;
    --have) HAVE="${2:?--have needs a pip freeze file}"; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see bash tools/install.sh --help)" ;;
  esac
  shift
done
[ -z "$WHEELHOUSE" ] || [ -z "$BUILD_DIR" ] || die "--wheelhouse and --build-wheelhouse do not go together"
[ "$WITH_OPS" = 0 ] || [ -z "$WHEELHOUSE$BUILD_DIR" ] \
  || die "--with-ops compiles mmcv here; a wheelhouse carries mmcv-lite (pure Python)"
[ -z "$HAVE" ] || [ -f "$HAVE" ] || die "--have $HAVE: no such file (write it with 'pip freeze --all' on the target)"

# ---- preflight: fail early with a clear message ----
command -v "$PY" >/dev/null || die "no '$PY' on PATH (set PYTHON=/path/to/python3.11)"
PYVER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$PYVER" = "3.11" ] || say "warning: Python $PYVER; the verified stack is for Python 3.11"
if [ "$WITH_OPS" = 1 ]; then
  command -v g++ >/dev/null \
    || die "no C++ compiler (g++) found: --with-ops compiles mmcv's ops (apt-get install g++), or drop --with-ops for mmcv-lite"
fi

# ---- venv ----
if [ ! -x "$VENV/bin/python" ]; then
  if [ -n "$WHEELHOUSE" ]; then
    # offline: torch must already be there; the venv sees it (system site-packages)
    "$PY" -c 'import torch, torchvision' 2>/dev/null \
      || die "$PY has no torch/torchvision: an install from a wheelhouse needs a Python that already has both (or LRPOSE_VENV=a venv that has them)"
    say "creating virtual environment $VENV (seeing $PY's torch)"
    "$PY" -m venv --system-site-packages "$VENV"
  else
    say "creating virtual environment $VENV"
    "$PY" -m venv "$VENV"
  fi
fi
VPY="$VENV/bin/python"
PYVER=$("$VPY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
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
installed() { "$VPY" -c 'import sys; from importlib.metadata import version; version(sys.argv[1])' "$1" 2>/dev/null; }
in_venv() {   # installed in the venv itself, not in the system site-packages it may see
  "$VPY" -c 'import os, sys; from importlib.metadata import distribution
sys.exit(not os.path.realpath(distribution(sys.argv[1]).locate_file("")).startswith(os.path.realpath(sys.prefix) + os.sep))' "$1" 2>/dev/null
}
check_imports() {
  "$VPY" -c 'import lrpose_mm, mmpose.models, mmpretrain.models, mmaction.models' \
    || die "the stack installed but does not import (see the traceback above)"
  say "done: $("$VPY" -c 'import torch, mmcv, mmpose, mmaction, mmpretrain, mmengine
from lrpose_mm.compat import mmcv_ops_available
print("torch", torch.__version__, "cuda" if torch.cuda.is_available() else "cpu", "| mmcv", mmcv.__version__,
      "with compiled ops" if mmcv_ops_available() else "lite (no compiled ops)", "| mmengine", mmengine.__version__,
      "mmpose", mmpose.__version__, "mmpretrain", mmpretrain.__version__, "mmaction2", mmaction.__version__)')"
}

# ---- wheelhouse, build: the pinned wheels of the stack, less what a torch install provides ----
if [ -n "$BUILD_DIR" ]; then
  mkdir -p "$BUILD_DIR"
  BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"
  ! ls "$BUILD_DIR"/*.whl >/dev/null 2>&1 || die "$BUILD_DIR already holds wheels: give an empty or new folder"
  REPORT=$(mktemp); TORCH_REPORT=$(mktemp)
  trap 'rm -f "$REPORT" "$TORCH_REPORT"' EXIT
  # chumpy (an MMPose requirement, source only) cannot even be resolved in pip's isolated
  # build env (its setup.py imports pip): its wheel is built first and resolved from DIR
  say "building chumpy $CHUMPY_VERSION into $BUILD_DIR (no build isolation: its setup.py imports pip)"
  "${PIP[@]}" install -c "$CONSTRAINTS" "setuptools>=77,<81" \
    || die "could not install setuptools (chumpy's build) with the pins of $CONSTRAINTS"
  "${PIP[@]}" wheel --no-deps --no-build-isolation -w "$BUILD_DIR" "chumpy==$CHUMPY_VERSION" \
    || die "could not build chumpy==$CHUMPY_VERSION into a wheel (see the message above)"
  say "resolving the stack (mmcv-lite $MMCV_VERSION${EXTRAS:+, extras $EXTRAS}) with the pins of $CONSTRAINTS"
  "${PIP[@]}" install --dry-run --ignore-installed --find-links "$BUILD_DIR" --report "$REPORT" -c "$CONSTRAINTS" \
    "mmcv-lite==$MMCV_VERSION" "setuptools>=77,<81" -e "$ROOT${EXTRAS:+[$EXTRAS]}" \
    || die "pip could not resolve the stack (see the message above)"
  say "resolving what torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION bring (left out)"
  "${PIP[@]}" install --dry-run --ignore-installed --report "$TORCH_REPORT" \
    "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" \
    || die "pip could not resolve torch (see the message above)"
  "$VPY" "$ROOT/tools/wheelhouse_lock.py" "$REPORT" "$TORCH_REPORT" ${HAVE:+--have "$HAVE"} \
    ${EXTRAS:+--extras "$EXTRAS"} > "$BUILD_DIR/$LOCK_NAME" \
    || die "could not select the wheels from pip's reports (see the message above)"
  NUM=$(grep -vc '^#' "$BUILD_DIR/$LOCK_NAME")
  say "collecting $NUM wheels into $BUILD_DIR (sdists are built into wheels)"
  grep -q '^chumpy==' "$BUILD_DIR/$LOCK_NAME" || rm -f "$BUILD_DIR"/chumpy-*.whl  # the target has it
  "${PIP[@]}" wheel --no-deps --find-links "$BUILD_DIR" -w "$BUILD_DIR" -r "$BUILD_DIR/$LOCK_NAME" \
    || die "pip could not collect the wheels (see the message above)"
  SIZE_KB=$(du -sk "$BUILD_DIR" | cut -f1)
  say "wheelhouse $BUILD_DIR: $NUM wheels, $(( SIZE_KB / 1024 )) MiB; the largest:"
  ls -S "$BUILD_DIR"/*.whl | head -n 6 | while read -r f; do
    printf '    %5s MiB  %s\n' "$(( $(stat -c %s "$f") / 1048576 ))" "$(basename "$f")"
  done
  [ "$SIZE_KB" -le $(( CARRY_MIB * 1024 )) ] \
    || say "note: over ${CARRY_MIB} MiB; wheels the target already has can be left out with --have FREEZE.txt (its 'pip freeze --all')"
  exit 0
fi

# ---- wheelhouse, install: no package registry ----
if [ -n "$WHEELHOUSE" ]; then
  LOCK="$WHEELHOUSE/$LOCK_NAME"
  [ -f "$LOCK" ] || die "$WHEELHOUSE has no $LOCK_NAME: build it with bash tools/install.sh --build-wheelhouse DIR"
  WANT=$(sed -n 's/^# lrpose_mm wheelhouse: python=\([0-9.]*\) machine=\([^ ]*\).*/\1 \2/p' "$LOCK")
  [ "$WANT" = "$PYVER $(uname -m)" ] \
    || die "$WHEELHOUSE holds wheels for Python/machine '$WANT', this venv is '$PYVER $(uname -m)': build the wheelhouse with this Python"
  "$VPY" -c 'import torch, torchvision' 2>/dev/null \
    || die "$VPY has no torch/torchvision: the wheelhouse leaves them out (install them first, e.g. the CUDA build for this machine)"
  if installed mmcv && ! "$VPY" -c 'import mmcv.ops' 2>/dev/null; then
    say "removing an mmcv without working ops (mmcv-lite takes its place)"
    "${PIP[@]}" uninstall -y mmcv
  fi
  # one cv2 at a time: another OpenCV distribution in this venv would mix its files with the
  # wheelhouse's (one in the system site-packages is shadowed by the venv's own)
  CV=$(sed -n 's/^\(opencv-[a-z-]*\)==.*/\1/p' "$LOCK")
  for OTHER in opencv-python opencv-python-headless opencv-contrib-python opencv-contrib-python-headless; do
    if [ -n "$CV" ] && [ "$OTHER" != "$CV" ] && in_venv "$OTHER"; then
      say "removing $OTHER from $VENV ($CV from $WHEELHOUSE provides cv2)"
      "${PIP[@]}" uninstall -y "$OTHER"
    fi
  done
  say "installing $(grep -vc '^#' "$LOCK") wheels from $WHEELHOUSE (no index)"
  "${PIP[@]}" install --no-index --find-links "$WHEELHOUSE" --no-deps -r "$LOCK" \
    || die "pip could not install from $WHEELHOUSE (see the message above)"
  say "installing lrpose_mm (editable) from $ROOT"
  "${PIP[@]}" install --no-index --no-deps --no-build-isolation -e "$ROOT" \
    || die "pip could not install lrpose_mm from $ROOT"
  check_imports
  exit 0
fi

# ---- disk: what the remaining steps write (the venv, the wheel cache, pip's build dir) ----
# torch with its CUDA libraries is 5.5 GB in the venv; the rest of the stack about 1 GB and
# an mmcv build 0.5 GB more. An install whose torch is already in place needs only the latter.
if have torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION; then NEED_MB=1500; else NEED_MB=8500; fi
[ "$WITH_OPS" = 0 ] || NEED_MB=$(( NEED_MB + 500 ))
mkdir -p "$CACHE/wheels"
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
if [ "$WITH_OPS" = 1 ]; then
  say "build tools (setuptools<81, wheel, ninja, numpy<2)"
  "${PIP[@]}" install -c "$CONSTRAINTS" "setuptools>=77,<81" wheel ninja "numpy<2" \
    || die "could not install the build tools with the pins of $CONSTRAINTS"
else
  say "setuptools<81 (mmengine imports pkg_resources) and numpy<2"
  "${PIP[@]}" install -c "$CONSTRAINTS" "setuptools>=77,<81" "numpy<2" \
    || die "could not install setuptools and numpy with the pins of $CONSTRAINTS"
fi

# ---- mmcv: mmcv-lite by default; the full build (cached wheel) with --with-ops ----
# Both distributions own the `mmcv` package: never two at once (an uninstall would take the
# other's files).
if have mmcv==$MMCV_VERSION && "$VPY" -c 'import mmcv.ops' 2>/dev/null; then
  say "mmcv $MMCV_VERSION with compiled ops already installed: kept"
elif [ "$WITH_OPS" = 1 ]; then
  TAG="mmcv${MMCV_VERSION}-torch${TORCH_VERSION}-py${PYVER}-$(uname -m)-$(echo "$MMCV_CFLAGS" | tr -d ' -')"
  WHEEL_DIR="$CACHE/wheels/$TAG"
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
  if installed mmcv-lite; then "${PIP[@]}" uninstall -y mmcv-lite; fi
  "${PIP[@]}" install --force-reinstall --no-deps "$WHEEL_DIR"/mmcv-*.whl
else
  if installed mmcv; then   # an mmcv whose ops do not import (checked above)
    say "removing mmcv $("$VPY" -c 'from importlib.metadata import version; print(version("mmcv"))') without working ops (mmcv-lite takes its place)"
    "${PIP[@]}" uninstall -y mmcv
  fi
  if have mmcv-lite==$MMCV_VERSION; then
    say "mmcv-lite $MMCV_VERSION already installed"
  else
    say "installing mmcv-lite $MMCV_VERSION (pure Python; --with-ops for the compiled ops)"
    "${PIP[@]}" install -c "$CONSTRAINTS" "mmcv-lite==$MMCV_VERSION" \
      || die "could not install mmcv-lite==$MMCV_VERSION with the pins of $CONSTRAINTS"
  fi
fi

# ---- chumpy: an sdist MMPose requires, whose setup.py imports pip; pip's isolated build env
# has no pip, so it is built here, against the venv's pip and setuptools ----
if ! have chumpy==$CHUMPY_VERSION; then
  say "building chumpy $CHUMPY_VERSION (an MMPose requirement; no build isolation: its setup.py imports pip)"
  "${PIP[@]}" install --no-build-isolation -c "$CONSTRAINTS" "chumpy==$CHUMPY_VERSION" \
    || die "could not build chumpy==$CHUMPY_VERSION (see the message above)"
fi

# ---- OpenMMLab stack + lrpose_mm ----
say "installing mmengine, mmdet, mmpose, mmpretrain, mmaction2 and lrpose_mm (editable, with tests extra)"
"${PIP[@]}" install -c "$CONSTRAINTS" -e "$ROOT[tests]" \
  || die "pip could not satisfy the pins in $CONSTRAINTS (see the message above)"
if [ "$WITH_OPS" = 1 ]; then
  "$VPY" -c 'import mmcv.ops' || die "mmcv installed but its compiled ops do not import (see above)"
fi
check_imports
