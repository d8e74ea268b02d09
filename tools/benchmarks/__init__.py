"""The benchmark applications behind ``tools/*benchmark.py``: one subpackage per job.

Dependencies go one way: :mod:`.common` (stages, statistics, reports, command line) and
:mod:`.budget` <- :mod:`.pose` <- :mod:`.sizes`, and :mod:`.common` <- :mod:`.action`.
"""
