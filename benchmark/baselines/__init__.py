"""Baseline systems: real programs that read the articles and write a submission.

One module per baseline (``rules``, ``retrieval``, ``empty``, ``oracle``);
``registry`` names them and runs them for ``bench baseline``.
"""
