"""The data package of Alaska Summit Bench: the gold, shipped with the code.

This folder holds data, not code. It is a package only so that an installed
copy of the benchmark (``pip install``, a wheel) carries it: the gold
summaries (``<id>.json``) with ``SHA256SUMS`` and ``GUIDELINES.md``, the
fact inventory of each article (``facts/``), and the labelled real system
outputs of the meta-evaluation (``judgments/``: ``MANIFEST.json``,
``README.md``, ``systems/``, ``labels/``). The scorer reads them through
``importlib.resources.files("gold")`` (see ``benchmark.data``), so it finds
them wherever the package is installed.
"""
