"""Scorers: the rules that grade a submission, and everything around them.

Each field scorer is a pure function called with ``prediction``, ``gold``,
``sources`` and ``config`` as keywords, returning a frozen result with its
raw counts (``scorers.base``); ``scorers.fields`` ties each field to its
scorer and consistency check. ``scorers.results`` scores a submission into
typed results (``scorers.results_schema``), ``scorers.report`` renders them,
and ``scorers.metaeval`` checks the scorer against annotators. Every setting
that can change a score is in ``scorers.config``; ``scorers.signature``
writes them all into the signature.
"""
