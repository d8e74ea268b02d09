"""lrpose_mm: low-resolution pose and action via pose-driven super-resolution (OpenMMLab plugin)."""
from setuptools import find_packages, setup

setup(
    name='lrpose_mm',
    version='0.1.0',
    description='Low-resolution human pose estimation and skeleton action recognition '
    'through pose-driven super-resolution, as an MMPose/MMAction2 plugin',
    long_description=open('README.md').read() if __import__('os').path.exists('README.md') else '',
    long_description_content_type='text/markdown',
    python_requires='>=3.8,<3.13',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    include_package_data=True,
    install_requires=[
        'torch>=2.0',
        'torchvision',
        'numpy>=1.22,<2',
        'opencv-python>=4.5,<5',
        'mmengine>=0.10.0,<0.11',
        'mmcv>=2.0.0,<2.2.0',
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
        # ONNX export and the onnxruntime CPU backend (lrpose_mm.deploy); tests exercise them too
        'deploy': ['onnx>=1.14', 'onnxruntime>=1.16'],
        'tests': ['pytest>=7', 'pytest-timeout', 'onnx>=1.14', 'onnxruntime>=1.16'],
    },
    zip_safe=False,
)
