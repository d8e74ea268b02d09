"""lrpose_mm: low-resolution pose and action via pose-driven super-resolution (OpenMMLab plugin).

The configs ship inside the package the OpenMMLab way (MIM extension, as MMPose's
setup.py does): ``configs/`` and ``model-index.yml`` are copied into
``lrpose_mm/.mim/`` for a wheel or sdist (``pip install .``) and symlinked there
for an editable install (``pip install -e .``), so an installed copy finds them
with ``lrpose_mm.load_config('lrpose_mm::pose/...')`` and user configs can
inherit them with ``_base_ = ['lrpose_mm::pose/...']``.
"""
import os
import os.path as osp
import platform
import shutil
import sys
import warnings

from setuptools import find_packages, setup

MIM_FILES = ('configs', 'model-index.yml')


def add_mim_extension() -> None:
    """Copy (wheel, sdist) or symlink (editable) ``MIM_FILES`` into ``lrpose_mm/.mim``."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'copy' if platform.system() == 'Windows' else 'symlink'
    elif 'sdist' in sys.argv or 'bdist_wheel' in sys.argv:
        mode = 'copy'
    else:
        return
    repo_path = osp.dirname(osp.abspath(__file__))
    mim_path = osp.join(repo_path, 'lrpose_mm', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for filename in MIM_FILES:
        src_path = osp.join(repo_path, filename)
        if not osp.exists(src_path):   # building from an sdist: .mim is already filled
            continue
        tar_path = osp.join(mim_path, filename)
        if osp.isfile(tar_path) or osp.islink(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)
        if mode == 'symlink':
            os.symlink(osp.relpath(src_path, osp.dirname(tar_path)), tar_path)
        elif osp.isfile(src_path):
            shutil.copyfile(src_path, tar_path)
        elif osp.isdir(src_path):
            shutil.copytree(src_path, tar_path,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            warnings.warn(f'Cannot copy file {src_path}.')


def readme() -> str:
    return open('README.md').read() if osp.exists('README.md') else ''


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='lrpose_mm',
        version='0.1.0',
        description='Low-resolution human pose estimation and skeleton action recognition '
        'through pose-driven super-resolution, as an MMPose/MMAction2 plugin',
        long_description=readme(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.8,<3.13',
        packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
        include_package_data=True,   # lrpose_mm/.mim, see MANIFEST.in
        install_requires=[
            'torch>=2.0',
            'torchvision',
            'numpy>=1.22,<2',
            'opencv-python>=4.5,<5',
            'mmengine>=0.10.0,<0.11',
            # mmcv (2.0-2.1) is not listed: either mmcv-lite (default, pure Python) or the
            # full mmcv with compiled ops (tools/install.sh --with-ops) serves; both install
            # the `mmcv` package, and lrpose_mm.compat checks its version at import.
            'mmdet>=3.0.0,<3.4.0',
            'mmpose>=1.3.0,<1.4.0',
            'mmpretrain>=1.2.0,<1.3.0',
            'mmaction2>=1.2.0,<1.3.0',
            'pycocotools',
            'matplotlib',
            'tqdm',
            'decord; platform_machine=="x86_64"',
            # mmpretrain / mmaction2 import-time dependencies that their wheels do not declare
            'importlib_metadata',
            'mat4py',
            'modelindex',
        ],
        extras_require={
            # ONNX export and the onnxruntime CPU backend (lrpose_mm.deploy); tests use them too
            'deploy': ['onnx>=1.14', 'onnxruntime>=1.16'],
            'tests': ['pytest>=7', 'pytest-timeout', 'onnx>=1.14', 'onnxruntime>=1.16',
                      'scikit-image', 'ruff'],
        },
        zip_safe=False,
    )
