"""Benchmarks of the library: the rush, steady booking, search at scale and HTTP load, with the
bare-driver ceiling and the seed design's baseline beside them.  Run ``python -m benchmarks``
(``--help`` for options); results go to ``benchmarks/results/``.  See ``docs/performance.md``."""
