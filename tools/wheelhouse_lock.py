"""The pinned wheel list of an offline wheelhouse (``tools/install.sh --build-wheelhouse DIR``).

    python tools/wheelhouse_lock.py STACK_REPORT TORCH_REPORT [--have FREEZE] [--extras NAMES]

STACK_REPORT and TORCH_REPORT are ``pip install --dry-run --report`` files: the stack with
mmcv-lite, and torch + torchvision alone. Printed: the wheels that a machine with torch and
torchvision still needs, one ``name==version`` a line, under a header naming the Python version
and machine (``tools/install.sh --wheelhouse DIR`` checks it and installs the list with
``--no-deps``). Left out, so that the wheelhouse stays small enough to carry with a job:

- torch, torchvision and what they pull (CUDA libraries, sympy, Pillow, ...), but not numpy and
  setuptools: the stack needs numpy < 2 (xtcocotools) and ``pkg_resources`` (mmengine);
- Cython: only xtcocotools' build needs it (it declares it at run time; SciPy imports it only
  when present);
- decord: MMAction2's video decoder; lrpose_mm reads videos with OpenCV when decord is absent;
- every wheel the target has already, with its exact version (``--have``: its ``pip freeze --all``).

OpenCV comes as ``opencv-python-headless`` (the same ``cv2`` without GUI windows, 12 MiB less)
at the version the stack resolves, and as the only OpenCV: MMAction2's ``opencv-contrib-python``
and the ``opencv-python`` of mmengine, mmcv and MMPose name the same module.
"""
import argparse
import json
import platform
import re
import sys
from typing import Dict, Iterable, List, Optional, Set, Tuple

# what pulls it, and why the stack runs without it (see the module docstring)
NOT_NEEDED = {'cython': "only xtcocotools' build",
              'decord': 'lrpose_mm reads videos with OpenCV without it'}
LOCAL = {'lrpose-mm'}   # installed from the checkout
KEEP_FROM_TORCH = {'numpy', 'setuptools'}
OPENCV = ('opencv-python', 'opencv-python-headless', 'opencv-contrib-python',
          'opencv-contrib-python-headless')
OPENCV_WHEEL = 'opencv-python-headless'


def norm(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r'[-_.]+', '-', name).lower()


def read_report(path: str) -> Dict[str, Tuple[str, str]]:
    """{normalised name: (name, version)} of what a pip ``--report`` file would install."""
    with open(path) as f:
        report = json.load(f)
    try:
        return {norm(i['metadata']['name']): (i['metadata']['name'], i['metadata']['version'])
                for i in report['install']}
    except (KeyError, TypeError) as e:
        raise ValueError(f'{path} is not a pip --report file (no install[].metadata: {e})')


def read_freeze(path: str) -> Set[Tuple[str, str]]:
    """{(normalised name, version)} of the ``name==version`` lines of a ``pip freeze``."""
    have = set()
    with open(path) as f:
        for line in f:
            line = line.split(';')[0].split('#')[0].strip()
            if '==' in line:
                name, version = line.split('==', 1)
                have.add((norm(name), version.strip()))
    return have


def select(stack: Dict[str, Tuple[str, str]], torch: Iterable[str],
           have: Optional[Set[Tuple[str, str]]] = None) -> List[str]:
    """The ``name==version`` lines to carry, sorted by name.

    Args:
        stack: the resolved stack (:func:`read_report`).
        torch: normalised names that torch + torchvision bring.
        have: what the target has (:func:`read_freeze`); None when unknown.
    """
    have = have or set()
    left_out = (set(torch) - KEEP_FROM_TORCH) | set(NOT_NEEDED) | LOCAL
    wheels = {k: v for k, v in stack.items() if k not in left_out and k not in OPENCV}
    cv_versions = {stack[k][1] for k in OPENCV if k in stack}
    if len(cv_versions) > 1:
        raise ValueError(f'the stack resolves several OpenCV versions {sorted(cv_versions)}: '
                         'pin one in requirements/constraints.txt')
    if cv_versions:
        version = cv_versions.pop()
        if not any((k, version) in have for k in OPENCV):   # the target has this cv2 already
            wheels[OPENCV_WHEEL] = (OPENCV_WHEEL, version)
    return [f'{name}=={version}' for key, (name, version) in sorted(wheels.items())
            if (key, version) not in have]


def main(argv: Optional[List[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('stack_report')
    p.add_argument('torch_report')
    p.add_argument('--have', help="the target's `pip freeze --all`")
    p.add_argument('--extras', default='', help='the extras of lrpose_mm in the stack')
    args = p.parse_args(argv)
    stack = read_report(args.stack_report)
    have = read_freeze(args.have) if args.have else None
    torch = read_report(args.torch_report)
    lines = select(stack, torch, have)
    pyver = '%d.%d' % sys.version_info[:2]
    print(f'# lrpose_mm wheelhouse: python={pyver} machine={platform.machine()} '
          f'extras={args.extras or "-"}')
    had = len(select(stack, torch)) - len(lines)
    print('# installed with --no-deps by tools/install.sh --wheelhouse DIR; left out: torch, '
          'torchvision and their requirements (but numpy, setuptools), '
          + ', '.join(f'{k} ({why})' for k, why in sorted(NOT_NEEDED.items()))
          + f'; OpenCV as {OPENCV_WHEEL}'
          + (f'; {had} wheels the target has' if have is not None else ''))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
